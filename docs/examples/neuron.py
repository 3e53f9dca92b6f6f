# One neuron: o = tanh(x1*w1 + x2*w2 + b), the one of micrograd's lecture
from tinygrad_edu import Value

x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")   # inputs
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")  # weights
b = Value(6.8813735870195432, label="b")                  # bias: makes o come out round
n = x1 * w1 + x2 * w2 + b
n.label = "n"
o = n.tanh()
o.label = "o"
o.backward()
print(f"o = {o.data:.4f}")
for v in (x1, w1, x2, w2, b):
    print(f"d o / d {v.label} = {v.grad:.4f}")
# tanh'(n) = 1 - o**2 = 0.5, and each input gets 0.5 times its weight:
# w2.grad is 0 because x2 is 0, whatever w2 is.
