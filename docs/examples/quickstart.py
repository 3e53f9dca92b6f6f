# Quickstart: f = (x + y)(x - y), its gradients, and backward one step at a time
from tinygrad_edu import Value

x, y = Value(5.0, label="x"), Value(2.0, label="y")
f = (x + y) * (x - y)
f.label = "f"
f.backward()
print(f.data, x.grad, y.grad)   # 21.0 10.0 -4.0: df/dx = 2x, df/dy = -2y

f.zero_grad()                     # gradients add up: clear them first
for step in f.backward_steps():   # backward() again, printed one node at a time
    print(step)
