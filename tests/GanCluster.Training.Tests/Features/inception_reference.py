"""Writes an Inception-v3 reference for InceptionTorchvisionTests with real PyTorch/torchvision (Debian's
python3-torchvision), into the folder given as argv[1]:

  torchvision.pth       torchvision's inception_v3 state_dict (random weights; BatchNorm statistics taken from a
                        batch of noise, so activations stay in a realistic range)
  fid.pth               the same network with pytorch-fid's FID blocks and 1008 classes (its weights' layout)
  reference.pth         {"input": [2, 3, 64, 64] in [-1, 1], "torchvision": pool3 [2, 2048], "fid": pool3 [2, 2048]}

pool3 is computed as pytorch-fid does: bilinear resize to 299x299 (align_corners=False), the network up to the
global average pool. The FID blocks below restate pytorch-fid's FIDInceptionA/C/E_1/E_2 (only their pooling differs
from torchvision's).
"""
import sys

import torch
import torch.nn.functional as F
import torchvision
from torchvision.models.inception import InceptionA, InceptionC, InceptionE


class FIDInceptionA(InceptionA):
    def forward(self, x):
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b5, b3, bp], 1)


class FIDInceptionC(InceptionC):
    def forward(self, x):
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            bd = layer(bd)
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False))
        return torch.cat([b1, b7, bd, bp], 1)


class FIDInceptionE(InceptionE):
    def __init__(self, in_channels, max_pool):
        super().__init__(in_channels)
        self.max_pool = max_pool

    def forward(self, x):
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        pooled = F.max_pool2d(x, 3, 1, 1) if self.max_pool else F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
        return torch.cat([b1, b3, bd, self.branch_pool(pooled)], 1)


def fid_variant():
    m = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=True, num_classes=1008)
    m.Mixed_5b, m.Mixed_5c, m.Mixed_5d = FIDInceptionA(192, 32), FIDInceptionA(256, 64), FIDInceptionA(288, 64)
    m.Mixed_6b, m.Mixed_6c = FIDInceptionC(768, 128), FIDInceptionC(768, 160)
    m.Mixed_6d, m.Mixed_6e = FIDInceptionC(768, 160), FIDInceptionC(768, 192)
    m.Mixed_7b, m.Mixed_7c = FIDInceptionE(1280, False), FIDInceptionE(2048, True)
    return m


def pool3(m, x):
    x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
    x = m.Conv2d_2b_3x3(m.Conv2d_2a_3x3(m.Conv2d_1a_3x3(x)))
    x = m.Conv2d_4a_3x3(m.Conv2d_3b_1x1(m.maxpool1(x)))
    x = m.maxpool2(x)
    for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"):
        x = getattr(m, name)(x)
    return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


def calibrate(m):
    """BatchNorm running statistics from one batch of noise (momentum 1), then eval mode."""
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.momentum = 1.0
    m.train()
    with torch.no_grad():
        pool3(m, torch.rand(4, 3, 64, 64) * 2 - 1)
    m.eval()
    return m


if __name__ == "__main__":
    out = sys.argv[1]
    torch.manual_seed(0)
    tv = calibrate(torchvision.models.inception_v3(weights=None, aux_logits=True, init_weights=True))
    fid = calibrate(fid_variant())
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        ref = {"input": x, "torchvision": pool3(tv, x), "fid": pool3(fid, x)}
    torch.save(tv.state_dict(), f"{out}/torchvision.pth")
    torch.save(fid.state_dict(), f"{out}/fid.pth")
    torch.save(ref, f"{out}/reference.pth")
