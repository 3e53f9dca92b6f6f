# A GPT from Values: train on first names for a few steps, then make some up
import random
import time

from tinygrad_edu.nn.gpt import GPT
from tinygrad_edu.training.optim import Adam
from tinygrad_edu.training.text import CharTokenizer, load_names
from tinygrad_edu.viz import draw_dot

names = load_names()                  # the 1990 US Census's first names, in the package
random.Random(42).shuffle(names)
tokens = CharTokenizer(names)
model = GPT(tokens.vocab_size, seed=0)  # 4,192 parameters: 16 numbers a token, 4 heads
print(model)

# In the browser a step takes about 0.13 s (in CPython on the same machine, half that), so
# this trains for 50 steps, under 10 s; notebook 10 trains for 1000.
steps, lr = 50, 0.01
optimizer = Adam(model.parameters(), lr=lr, betas=(0.85, 0.99))
start = time.perf_counter()
for step in range(steps):
    loss = model.loss(tokens.encode(names[step]))   # one name a step
    optimizer.zero_grad()
    loss.backward()
    optimizer.lr = lr * (1 - step / steps)
    optimizer.step()
    if step % 10 == 0 or step == steps - 1:
        print(f"step {step:3}: loss {loss.data:.3f}")
seconds = time.perf_counter() - start
print(f"{steps} steps in {seconds:.1f} s: {seconds / steps * 1000:.0f} ms a step here")

for i in range(8):                    # after so few steps the names are rough
    print(tokens.decode(model.sample(tokens.bos, temperature=0.8, rng=i)))

# The last step's graph has thousands of Values: drawn by its parts, a box per part of the
# model (the embeddings, the block, the final norm, the head, the loss), with what enters
# and leaves each; depth=2 opens the block into its attention and its MLP.
draw_dot(loss, depth=1)
