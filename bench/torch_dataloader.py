"""The PyTorch side of `make bench-data`: images/s a torch.utils.data.DataLoader with PIL hands out on a folder of
PNG/JPEG files, transformed as torchvision users write it (Resize, CenterCrop, ToTensor, Normalize to [-1, 1]).
Run with Debian's /usr/bin/python3 (python3-torch, python3-torchvision, python3-pil). Prints one line:
images_per_second N resolution R workers W batch B batches K
"""
import argparse
import os
import time

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms


class Folder(Dataset):
    def __init__(self, root, resolution):
        self.files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
                            if f.lower().endswith((".png", ".jpg", ".jpeg")))
        self.transform = transforms.Compose([
            transforms.Resize(resolution),
            transforms.CenterCrop(resolution),
            transforms.ToTensor(),
            transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
        ])

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        with Image.open(self.files[i]) as img:
            return self.transform(img.convert("RGB"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--folder", required=True)
    p.add_argument("--resolution", type=int, default=256)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--batches", type=int, default=20)
    a = p.parse_args()
    torch.set_num_threads(1)
    loader = DataLoader(Folder(a.folder, a.resolution), batch_size=a.batch, shuffle=True, num_workers=a.workers,
                        prefetch_factor=2 if a.workers > 0 else None, persistent_workers=a.workers > 0, drop_last=True)
    it = iter(loader)
    next(it)  # warm-up: workers forked, first batches decoded
    start = time.perf_counter()
    for _ in range(a.batches):
        try:
            next(it)
        except StopIteration:
            it = iter(loader)
            next(it)
    seconds = time.perf_counter() - start
    print(f"images_per_second {a.batches * a.batch / seconds:.1f} resolution {a.resolution} workers {a.workers} "
          f"batch {a.batch} batches {a.batches}")


if __name__ == "__main__":
    main()
