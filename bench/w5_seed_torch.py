"""W5: the seed tutorial (../shared/acceptance/a01_seed_tutorial.gx) as a PyTorch script, whole
process. float64 default so that it computes what gradcli computes."""
import torch
from torch.autograd import Variable

torch.set_default_dtype(torch.float64)
x = Variable(torch.ones(2, 2), requires_grad=True)
print(x)
y = x + 2
print(y)
print(y.grad_fn)
z = y * y * 3
out = z.mean()
print(z, out)
out.backward()
print(x.grad)
assert torch.allclose(x.grad, torch.tensor([[4.5, 4.5], [4.5, 4.5]]))

x = torch.randn(3)
x = Variable(x, requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
print(y)
gradients = torch.FloatTensor([0.1, 1.0, 0.0001])
y.backward(gradients)
print(x.grad)
print("OK")
