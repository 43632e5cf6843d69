"""Writes the VGG19 test fixtures with real PyTorch and torchvision (random weights: nothing is downloaded).

    /usr/bin/python3 make_vgg19_fixtures.py OUT_DIR     (Debian 12: apt-get install python3-torch python3-torchvision)

vgg19-tiny.pth: a state_dict saved by torch.save whose `features` is torchvision's own make_layers() for VGG19
(configuration "E") at 1/32 of the widths, plus a small classifier, so it has the extra keys a real vgg19
state_dict has. vgg19-tiny.safetensors: the same tensors in the safetensors format (written here by the
format's spec, independently of TorchSharp.PyBridge).
vgg19-tiny-reference.pth: an input image and torchvision's activations at relu1_1 ... relu5_1 and relu4_2
after ImageNet normalisation, to check that GanCluster's VGG19 computes the same thing.
vgg19-keys.txt: every key and shape of a full-size torchvision vgg19() state_dict.
"""
import json
import struct
import sys

import torch
import torchvision
from torchvision.models.vgg import cfgs, make_layers

out = sys.argv[1]
torch.manual_seed(0)


class TinyVgg19(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = make_layers([v if v == "M" else v // 32 for v in cfgs["E"]])
        self.classifier = torch.nn.Sequential(torch.nn.Linear(16, 10), torch.nn.ReLU(True), torch.nn.Dropout(),
                                              torch.nn.Linear(10, 10), torch.nn.ReLU(True), torch.nn.Dropout(),
                                              torch.nn.Linear(10, 10))
        for m in self.features:
            if isinstance(m, torch.nn.Conv2d):  # torchvision's VGG init keeps activations in scale over 13 convs
                torch.nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                torch.nn.init.normal_(m.bias, 0, 0.1)


def save_safetensors(tensors, path):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # the spec pads the header to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


model = TinyVgg19().eval()
state = model.state_dict()
torch.save(state, f"{out}/vgg19-tiny.pth")
save_safetensors(state, f"{out}/vgg19-tiny.safetensors")

x = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
names = {1: "relu1_1", 6: "relu2_1", 11: "relu3_1", 20: "relu4_1", 22: "relu4_2", 29: "relu5_1"}
refs = {"input": x}
h = (x - mean) / std
with torch.no_grad():
    for i, layer in enumerate(model.features[:30]):
        h = layer(h)
        if i in names:
            refs[names[i]] = h.clone()
torch.save(refs, f"{out}/vgg19-tiny-reference.pth")

with open(f"{out}/vgg19-keys.txt", "w") as f:
    for k, v in torchvision.models.vgg19().state_dict().items():
        f.write(f"{k} {list(v.shape)}\n")
print("torch", torch.__version__, "torchvision", torchvision.__version__)
