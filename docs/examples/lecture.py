# L = (a*b + c) * f: the expression of micrograd's lecture, with every gradient by hand
from tinygrad_edu import Value

a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
f = Value(-2.0, label="f")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
L = d * f
L.label = "L"
L.backward()
print("L =", L.data)
print("dL/da =", a.grad, " (b * f)")
print("dL/db =", b.grad, " (a * f)")
print("dL/dc =", c.grad, " (f)")
print("dL/df =", f.grad, " (d)")

a.grad, b.grad, c.grad, f.grad   # a REPL shows the value of a line that is an expression
