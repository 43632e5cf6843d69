"""pytorch/examples' DCGAN (dcgan/main.py) on GanCluster's embedded MNIST, for `make bench-quality`.

The model (Generator, Discriminator, weights_init), the loss (BCELoss, real label 1, fake label 0, the non-saturating
generator loss) and the loop (D on a real batch, D on a fake batch, then G; Adam lr 0.0002, beta1 0.5) are the
published example's. Adapted: only the data loading (the 10,000 embedded MNIST digits from data/*.idx3-ubyte.gz
instead of a torchvision dataset, resized to --imageSize and normalised to [-1, 1] as the example's transforms do),
a step count instead of epochs, one torch thread, and the end: --n samples from G in eval mode written as an IDX
file for `gancluster evaluate` (the same evaluator scores both programs).

Usage: python3 dcgan_mnist.py --data data/mnist10k-images-idx3-ubyte.gz --out samples.idx --steps 400 --batchSize 64
"""
import argparse
import gzip
import random
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

parser = argparse.ArgumentParser()
parser.add_argument('--data', required=True)
parser.add_argument('--out', required=True)
parser.add_argument('--steps', type=int, default=400)
parser.add_argument('--batchSize', type=int, default=64)
parser.add_argument('--imageSize', type=int, default=64)
parser.add_argument('--nz', type=int, default=100)
parser.add_argument('--ngf', type=int, default=64)
parser.add_argument('--ndf', type=int, default=64)
parser.add_argument('--lr', type=float, default=0.0002)
parser.add_argument('--beta1', type=float, default=0.5)
parser.add_argument('--manualSeed', type=int, default=1)
parser.add_argument('--n', type=int, default=2000)
parser.add_argument('--threads', type=int, default=1)
opt = parser.parse_args()

random.seed(opt.manualSeed)
torch.manual_seed(opt.manualSeed)
torch.set_num_threads(opt.threads)
device = torch.device("cpu")
nc = 1
nz, ngf, ndf = int(opt.nz), int(opt.ngf), int(opt.ndf)


# --- data loading (adapted): the embedded MNIST IDX file, resized and normalised as the example's transforms ---
def load_idx(path):
    with gzip.open(path, 'rb') as f:
        _, count, rows, cols = struct.unpack('>iiii', f.read(16))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(count, 1, rows, cols)


images = torch.from_numpy(load_idx(opt.data).astype(np.float32) / 255.0)
images = F.interpolate(images, size=(opt.imageSize, opt.imageSize), mode='bilinear', align_corners=False, antialias=False)
images = (images - 0.5) / 0.5  # transforms.Normalize((0.5,), (0.5,))
dataloader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images), batch_size=opt.batchSize, shuffle=True, drop_last=True)


# --- from here on: pytorch/examples dcgan/main.py ---
def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh()
        )

    def forward(self, input):
        return self.main(input)


netG = Generator().to(device)
netG.apply(weights_init)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 8),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        output = self.main(input)
        return output.view(-1, 1).squeeze(1)


netD = Discriminator().to(device)
netD.apply(weights_init)

criterion = nn.BCELoss()
real_label = 1
fake_label = 0
optimizerD = optim.Adam(netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))

step = 0
start = time.time()
while step < opt.steps:
    for i, data in enumerate(dataloader, 0):
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        real_cpu = data[0].to(device)
        batch_size = real_cpu.size(0)
        label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)
        output = netD(real_cpu)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()
        noise = torch.randn(batch_size, nz, 1, 1, device=device)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()
        # (2) Update G network: maximize log(D(G(z)))
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()
        step += 1
        if step % 50 == 0 or step == opt.steps:
            print('[%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f  %.1f s'
                  % (step, opt.steps, errD.item(), errG.item(), D_x, D_G_z1, D_G_z2, time.time() - start), flush=True)
        if step >= opt.steps:
            break

# --- the end (adapted): samples for the evaluator, G in eval mode as GanCluster's evaluate uses it ---
netG.eval()
with torch.no_grad():
    samples = torch.cat([netG(torch.randn(500, nz, 1, 1)) for _ in range((opt.n + 499) // 500)])[:opt.n]
pixels = ((samples.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
with open(opt.out, 'wb') as f:
    f.write(struct.pack('>iiii', 0x00000803, len(pixels), opt.imageSize, opt.imageSize))
    f.write(pixels.reshape(len(pixels), opt.imageSize, opt.imageSize).tobytes())
print('wrote %d samples to %s; %d steps in %.1f s' % (len(pixels), opt.out, opt.steps, time.time() - start))
