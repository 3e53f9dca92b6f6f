# A gradient check: backward() against central differences, for every input
import math

from tinygrad_edu import Value, gradcheck, unary_op


def f(x, y):
    return (x * y).tanh() + x ** 2 / y


report = gradcheck(f, [Value(0.7, label="x"), Value(-1.3, label="y")])
print(report)

# A wrong derivative is caught: an op whose rule has its sign flipped.
bad_sin = unary_op("bad_sin", math.sin, lambda x, y: -math.cos(x), register_op=False)
print(gradcheck(lambda x: bad_sin(x), [0.5], raise_exception=False))

x, y = Value(0.7, label="x"), Value(-1.3, label="y")
out = f(x, y)
out.label = "out"
out.backward()
