#!/usr/bin/env python3
"""MERba in plain PyTorch eager mode: the comparison baseline for the C++/Java implementation.

Written from docs: /work/shared/design/merba-spec.md (sections 2-4) and docs/model-config.md.
Module paths are the checkpoint format (e.g. ``stages.0.blocks.0.mixers.1.A_log``).

The selective scan is the spec section 3 loop in plain torch ops (no fused kernel), so this is
the "reference" speed of an eager implementation, not an optimised one.

Usage:
    python merba_eager.py --threads 2
    python merba_eager.py --dump-params /tmp/merba_py_params.txt
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

# ----------------------------------------------------------------------------------------------
# Config (docs/model-config.md)
# ----------------------------------------------------------------------------------------------

COMPOSITE_28 = {
    "in_channels": 3,
    "input_size": 28,
    "stem_strides": [1, 1],
    "dims": [32, 64, 128],
    "depths": [1, 1, 1],
    "window_sizes": [7, 7, 7],
    "heads": [1, 2, 4],
    "scans": ["h+", "v-"],
    "inter_window_attention": True,
    "dgcm": "hard",
    "mlp_ratio": 4.0,
    "d_state": 8,
    "d_conv": 3,
    "dropout": 0.0,
    "drop_path": 0.1,
}

PAPER_224 = dict(COMPOSITE_28, input_size=224, stem_strides=[2, 2], dims=[64, 128, 256, 512],
                 depths=[1, 2, 4, 2], window_sizes=[7, 7, 7, 7], heads=[2, 4, 8, 16])

PRESETS = {"composite-28": COMPOSITE_28, "paper-224": PAPER_224}

# label scheme name -> fine_to_coarse (coarse groups numbered by first appearance)
LABEL_SCHEMES = {
    "megc-3": [0, 1, 2],                      # negative, positive, surprise
    "casme2-5": [0, 1, 1, 2, 3],              # happiness, disgust, repression, surprise, others
    "samm-5": [0, 1, 1, 2, 3],                # happiness, anger, contempt, surprise, other
    "casme3-7": [0, 1, 1, 1, 1, 2, 3],        # happy, anger, disgust, fear, sad, surprise, others
}

SCAN_ORDERS = ("h+", "h-", "v+", "v-")


def resolve_config(cfg: dict) -> dict:
    """Fill missing keys with composite-28 defaults; reject unknown keys and invalid values."""
    unknown = set(cfg) - set(COMPOSITE_28)
    if unknown:
        raise ValueError(f"unknown config keys: {sorted(unknown)}")
    c = dict(COMPOSITE_28)
    c.update(cfg)
    S = len(c["dims"])
    for key in ("depths", "window_sizes", "heads"):
        if len(c[key]) != S:
            raise ValueError(f"'{key}' has {len(c[key])} entries, 'dims' has {S}")
    if S < 1 or any(d < 2 or d % 2 for d in c["dims"]):
        raise ValueError("dims must be >= 2 and even")
    if len(c["stem_strides"]) != 2 or any(s < 1 for s in c["stem_strides"]):
        raise ValueError("stem_strides must be two values >= 1")
    if any(d < 1 for d in c["depths"]) or any(w < 1 for w in c["window_sizes"]):
        raise ValueError("depths and window_sizes must be >= 1")
    for d, h in zip(c["dims"], c["heads"]):
        if h < 1 or d % h:
            raise ValueError(f"heads {h} must divide dim {d}")
    scans = c["scans"]
    if not scans or len(set(scans)) != len(scans) or any(s not in SCAN_ORDERS for s in scans):
        raise ValueError(f"bad scans {scans}")
    if c["dgcm"] not in ("hard", "soft", "flat"):
        raise ValueError(f"bad dgcm {c['dgcm']}")
    if not c["mlp_ratio"] > 0:
        raise ValueError("mlp_ratio must be > 0")
    if not 1 <= c["d_state"] <= 256:
        raise ValueError("d_state must be in 1..256")
    if c["d_conv"] < 1 or c["d_conv"] % 2 == 0:
        raise ValueError("d_conv must be odd and >= 1")
    if not (0 <= c["dropout"] < 1 and 0 <= c["drop_path"] < 1):
        raise ValueError("dropout / drop_path must be in [0, 1)")
    return c


def stage_sizes(cfg: dict) -> List[int]:
    """Spatial side H_i of every stage (before window padding)."""
    s1, s2 = cfg["stem_strides"]
    h = -(-(-(-cfg["input_size"] // s1)) // s2)  # ceil(ceil(in / s1) / s2)
    sizes = []
    for _ in cfg["dims"]:
        sizes.append(h)
        h = -(-h // 2)
    return sizes


# ----------------------------------------------------------------------------------------------
# Init helpers
# ----------------------------------------------------------------------------------------------

def trunc_normal_(t: torch.Tensor, std: float = 0.02) -> torch.Tensor:
    # truncated at +-2 std (timm convention)
    return nn.init.trunc_normal_(t, mean=0.0, std=std, a=-2 * std, b=2 * std)


class DropPath(nn.Module):
    """Stochastic depth per sample (identity in eval mode or when p = 0)."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * mask / keep


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))  # exact (erf) GELU


# ----------------------------------------------------------------------------------------------
# Selective scan (spec section 3), plain torch ops
# ----------------------------------------------------------------------------------------------

def selective_scan(u: torch.Tensor, delta: torch.Tensor, A: torch.Tensor, B: torch.Tensor,
                   C: torch.Tensor, D: Optional[torch.Tensor] = None,
                   z: Optional[torch.Tensor] = None, delta_bias: Optional[torch.Tensor] = None,
                   delta_softplus: bool = False) -> torch.Tensor:
    """u, delta: (Bt, Dm, L); A: (Dm, N); B, C: (Bt, N, L); D, delta_bias: (Dm); z: (Bt, Dm, L)."""
    in_dtype = u.dtype
    u = u.float()
    dt = delta.float()
    if delta_bias is not None:
        dt = dt + delta_bias.float()[:, None]
    if delta_softplus:
        dt = F.softplus(dt)  # beta 1, linear above 20
    A = A.float()
    Bl = B.float().transpose(1, 2)  # (Bt, L, N)
    Cl = C.float().transpose(1, 2)  # (Bt, L, N)
    L = u.shape[2]
    # exp(delta * A) and delta * B * u, both (Bt, Dm, L, N)
    dA = torch.exp(dt.unsqueeze(-1) * A[:, None, :])
    dBu = (dt * u).unsqueeze(-1) * Bl.unsqueeze(1)
    h = u.new_zeros(u.shape[0], u.shape[1], A.shape[1])  # (Bt, Dm, N)
    ys = []
    for l in range(L):
        h = dA[:, :, l] * h + dBu[:, :, l]
        ys.append((h * Cl[:, l].unsqueeze(1)).sum(-1))  # (Bt, Dm)
    y = torch.stack(ys, dim=2)  # (Bt, Dm, L)
    out = y if D is None else y + u * D.float()[:, None]
    if z is not None:
        out = out * F.silu(z.float())
    return out.to(in_dtype)


# ----------------------------------------------------------------------------------------------
# MambaVision mixer
# ----------------------------------------------------------------------------------------------

class MambaVisionMixer(nn.Module):
    def __init__(self, dim: int, d_state: int = 8, d_conv: int = 3):
        super().__init__()
        self.dim = dim
        self.h = dim // 2
        self.d_state = d_state
        self.dt_rank = math.ceil(dim / 16)
        h, N, R = self.h, d_state, self.dt_rank
        self.in_proj = nn.Linear(dim, dim, bias=False)
        self.conv1d_x = nn.Conv1d(h, h, d_conv, padding=(d_conv - 1) // 2, groups=h, bias=False)
        self.conv1d_z = nn.Conv1d(h, h, d_conv, padding=(d_conv - 1) // 2, groups=h, bias=False)
        self.x_proj = nn.Linear(h, R + 2 * N, bias=False)
        self.dt_proj = nn.Linear(R, h, bias=True)
        self.A_log = nn.Parameter(torch.empty(h, N))
        self.D = nn.Parameter(torch.empty(h))
        self.out_proj = nn.Linear(dim, dim, bias=False)

    @torch.no_grad()
    def reset_mixer_parameters(self) -> None:
        """Mixer-specific init, applied after the generic Linear init."""
        h, N, R = self.h, self.d_state, self.dt_rank
        self.A_log.copy_(torch.log(torch.arange(1, N + 1, dtype=torch.float32)).expand(h, N))
        self.D.fill_(1.0)
        std = R ** -0.5
        nn.init.uniform_(self.dt_proj.weight, -std, std)
        dt_min, dt_max, floor = 1e-3, 0.1, 1e-4
        dt = torch.exp(torch.rand(h) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        dt = dt.clamp(min=floor)
        self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))  # softplus^-1(dt)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (Nb, L, C)
        Nb, L, _ = x.shape
        xz = self.in_proj(x).transpose(1, 2)  # (Nb, C, L)
        xs, z = xz.chunk(2, dim=1)
        xs = F.silu(self.conv1d_x(xs))
        z = F.silu(self.conv1d_z(z))
        x_dbl = self.x_proj(xs.transpose(1, 2).reshape(Nb * L, self.h))
        dt, Bm, Cm = torch.split(x_dbl, [self.dt_rank, self.d_state, self.d_state], dim=-1)
        dt = self.dt_proj(dt).reshape(Nb, L, self.h).transpose(1, 2)      # (Nb, h, L)
        Bm = Bm.reshape(Nb, L, self.d_state).transpose(1, 2)             # (Nb, N, L)
        Cm = Cm.reshape(Nb, L, self.d_state).transpose(1, 2)             # (Nb, N, L)
        A = -torch.exp(self.A_log.float())
        y = selective_scan(xs, dt, A, Bm, Cm, self.D.float(), z=None,
                           delta_bias=self.dt_proj.bias.float(), delta_softplus=True)
        y = torch.cat([y, z], dim=1).transpose(1, 2)  # (Nb, L, C)
        return self.out_proj(y)


# ----------------------------------------------------------------------------------------------
# Asymmetric multi-scanning + Local Extractor block
# ----------------------------------------------------------------------------------------------

def scan_permutation(order: str, ws: int) -> torch.Tensor:
    """perm[j] = row-major token index visited at step j of the scan."""
    r = torch.arange(ws * ws)
    if order == "h+":
        return r
    if order == "h-":
        return r.flip(0)
    col_major = (r % ws) * ws + r // ws  # step j = c*ws + r_ -> token r_*ws + c
    if order == "v+":
        return col_major
    if order == "v-":
        return col_major.flip(0)
    raise ValueError(order)


class LocalExtractorBlock(nn.Module):
    """t = x + DropPath(AMS(norm1(x)));  y = t + DropPath(mlp(norm2(t))).

    AMS (asymmetric multi-scanning) lives in the block itself so that each scan's mixer has the
    checkpoint path ``blocks.j.mixers.k``:
        AMS(x) = mean_k unpermute_k(mixers.k(permute_k(x)))
    """

    def __init__(self, dim: int, ws: int, scans, d_state, d_conv, mlp_ratio, drop_path):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.mixers = nn.ModuleList(MambaVisionMixer(dim, d_state, d_conv) for _ in scans)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = Mlp(dim, int(round(dim * mlp_ratio)))
        self.drop_path = DropPath(drop_path)
        self.scans = list(scans)
        ident = torch.arange(ws * ws)
        # (perm, inverse perm) per scan, None for the identity (h+)
        self._perms = []
        for s in scans:
            p = scan_permutation(s, ws)
            self._perms.append(None if torch.equal(p, ident) else (p, torch.argsort(p)))

    def ams(self, x: torch.Tensor) -> torch.Tensor:
        acc = None
        for mixer, perm in zip(self.mixers, self._perms):
            if perm is None:
                y = mixer(x)
            else:
                p, inv = perm
                y = mixer(x[:, p])[:, inv]
            acc = y if acc is None else acc + y
        return acc / len(self.mixers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.ams(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


# ----------------------------------------------------------------------------------------------
# Inter-window attention
# ----------------------------------------------------------------------------------------------

class Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.scale = self.head_dim ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim, bias=True)
        self.proj = nn.Linear(dim, dim, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        Bn, L, C = x.shape
        qkv = self.qkv(x).reshape(Bn, L, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]                       # (Bn, heads, L, hd)
        attn = torch.softmax((q @ k.transpose(-2, -1)) * self.scale, dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(Bn, L, C)
        return self.proj(out)


class InterWindowAttention(nn.Module):
    """Operates on the padded image (B, C, Hp, Wp) after window reverse."""

    def __init__(self, dim: int, heads: int, ws: int, n_win: int, mlp_ratio: float):
        super().__init__()
        self.ws = ws
        self.n_win = n_win
        if n_win > 1:
            self.pos_embed = nn.Parameter(torch.zeros(n_win, dim))
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = Mlp(dim, int(round(dim * mlp_ratio)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, C, Hp, Wp = x.shape
        ws = self.ws
        if self.n_win == 1:
            t = x.flatten(2).transpose(1, 2)  # (B, Hp*Wp, C)
            t = t + self.attn(self.norm1(t))
            t = t + self.mlp(self.norm2(t))
            return t.transpose(1, 2).reshape(B, C, Hp, Wp)
        nh, nw = Hp // ws, Wp // ws
        g = F.avg_pool2d(x, ws).flatten(2).transpose(1, 2)  # (B, nWin, C), windows row-major
        g0 = g + self.pos_embed
        g1 = g0 + self.attn(self.norm1(g0))
        g2 = g1 + self.mlp(self.norm2(g1))
        d = (g2 - g).transpose(1, 2).reshape(B, C, nh, 1, nw, 1)
        return (x.reshape(B, C, nh, ws, nw, ws) + d).reshape(B, C, Hp, Wp)


# ----------------------------------------------------------------------------------------------
# Stage, stem, head, network
# ----------------------------------------------------------------------------------------------

def window_partition(x: torch.Tensor, ws: int) -> torch.Tensor:
    """(B, C, Hp, Wp) -> (B*nWin, ws*ws, C); windows row-major, tokens row-major."""
    B, C, Hp, Wp = x.shape
    x = x.reshape(B, C, Hp // ws, ws, Wp // ws, ws).permute(0, 2, 4, 3, 5, 1)
    return x.reshape(B * (Hp // ws) * (Wp // ws), ws * ws, C)


def window_reverse(w: torch.Tensor, ws: int, B: int, Hp: int, Wp: int) -> torch.Tensor:
    C = w.shape[-1]
    x = w.reshape(B, Hp // ws, Wp // ws, ws, ws, C).permute(0, 5, 1, 3, 2, 4)
    return x.reshape(B, C, Hp, Wp)


class Stage(nn.Module):
    def __init__(self, dim: int, out_dim: Optional[int], depth: int, ws: int, heads: int,
                 size: int, cfg: dict, drop_paths: Sequence[float]):
        super().__init__()
        self.ws = ws
        self.blocks = nn.ModuleList(
            LocalExtractorBlock(dim, ws, cfg["scans"], cfg["d_state"], cfg["d_conv"],
                                cfg["mlp_ratio"], drop_paths[j])
            for j in range(depth))
        n_win = (-(-size // ws)) ** 2
        self.iwa = (InterWindowAttention(dim, heads, ws, n_win, cfg["mlp_ratio"])
                    if cfg["inter_window_attention"] else None)
        self.downsample = (nn.Conv2d(dim, out_dim, 3, stride=2, padding=1, bias=False)
                           if out_dim is not None else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, C, H, W = x.shape
        ws = self.ws
        pad_h, pad_w = (-H) % ws, (-W) % ws
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h))
        Hp, Wp = H + pad_h, W + pad_w
        t = window_partition(x, ws)
        for blk in self.blocks:
            t = blk(t)
        x = window_reverse(t, ws, B, Hp, Wp)
        if self.iwa is not None:
            x = self.iwa(x)
        if pad_h or pad_w:
            x = x[:, :, :H, :W].contiguous()
        if self.downsample is not None:
            x = self.downsample(x)
        return x


class Stem(nn.Module):
    def __init__(self, c_in: int, c0: int, s1: int, s2: int):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c0 // 2, 3, stride=s1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c0 // 2, eps=1e-4)
        self.conv2 = nn.Conv2d(c0 // 2, c0, 3, stride=s2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c0, eps=1e-4)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(x)))


class DGCM(nn.Module):
    def __init__(self, dim: int, num_coarse: int, fine_to_coarse: Sequence[int], mode: str):
        super().__init__()
        self.mode = mode
        self.fine_to_coarse = list(fine_to_coarse)
        k_fine = len(self.fine_to_coarse)
        one_per_group = k_fine == num_coarse
        self.coarse = nn.Linear(dim, num_coarse) if mode != "flat" else None
        self.fine = nn.Linear(dim, k_fine) if (mode == "flat" or not one_per_group) else None

    def forward(self, f: torch.Tensor) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
        zc = self.coarse(f) if self.coarse is not None else None
        zf = self.fine(f) if self.fine is not None else None
        return zc, zf


class MERba(nn.Module):
    def __init__(self, cfg: dict, num_coarse: int, fine_to_coarse: Sequence[int]):
        super().__init__()
        cfg = resolve_config(cfg)
        self.cfg = cfg
        if len(fine_to_coarse) < 2:
            raise ValueError("need at least two fine classes")
        if sorted(set(fine_to_coarse)) != list(range(num_coarse)):
            raise ValueError("fine_to_coarse must use every coarse index 0..num_coarse-1")
        dims = cfg["dims"]
        S = len(dims)
        self.stem = Stem(cfg["in_channels"], dims[0], *cfg["stem_strides"])
        J = sum(cfg["depths"])
        dps = [cfg["drop_path"] * j / (J - 1) if J > 1 else 0.0 for j in range(J)]
        sizes = stage_sizes(cfg)
        stages, j0 = [], 0
        for i in range(S):
            d = cfg["depths"][i]
            stages.append(Stage(dims[i], dims[i + 1] if i < S - 1 else None, d,
                                cfg["window_sizes"][i], cfg["heads"][i], sizes[i], cfg,
                                dps[j0:j0 + d]))
            j0 += d
        self.stages = nn.ModuleList(stages)
        self.norm = nn.BatchNorm2d(dims[-1], eps=1e-5)
        self.dropout = nn.Dropout(cfg["dropout"])
        self.head = DGCM(dims[-1], num_coarse, fine_to_coarse, cfg["dgcm"])
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.LayerNorm, nn.BatchNorm2d)):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            # convs keep the framework default (kaiming_uniform a=sqrt(5)), as LibTorch
        for m in self.modules():
            if isinstance(m, MambaVisionMixer):
                m.reset_mixer_parameters()
            elif isinstance(m, InterWindowAttention) and m.n_win > 1:
                trunc_normal_(m.pos_embed, 0.02)

    def forward(self, x: torch.Tensor):
        x = self.stem(x)
        for st in self.stages:
            x = st(x)
        x = self.norm(x)
        f = self.dropout(x.mean(dim=(2, 3)))
        return self.head(f)

    @torch.no_grad()
    def predict(self, x: torch.Tensor):
        """DGCM inference -> (coarse label, coarse prob, fine label, fine prob), each (B,)."""
        zc, zf = self(x)
        f2c = torch.tensor(self.head.fine_to_coarse, device=x.device)
        if zf is None:  # fine == coarse
            pc = zc.softmax(-1)
            p, c = pc.max(-1)
            return c, p, c, p
        if zc is None:  # flat
            pf = zf.softmax(-1)
            p, f = pf.max(-1)
            return f2c[f], p, f, p
        pc = zc.softmax(-1)
        group = f2c[None, :].expand(zf.shape[0], -1)  # (B, K_fine)
        masked = [zf.masked_fill(group != g, float("-inf")).softmax(-1) for g in range(zc.shape[1])]
        within = torch.stack(masked, 0).nan_to_num(0.0).sum(0)  # softmax within each group
        if self.cfg["dgcm"] == "hard":
            pcoarse, c = pc.max(-1)
            fine_scores = within.masked_fill(group != c[:, None], -1.0)
            pfine, f = fine_scores.max(-1)
            return c, pcoarse, f, pfine
        pfine_all = pc.gather(1, group) * within
        pfine, f = pfine_all.max(-1)
        c = f2c[f]
        return c, pc.gather(1, c[:, None])[:, 0], f, pfine


def build_model(config_dict: dict, num_coarse: int, fine_to_coarse: Sequence[int]) -> MERba:
    return MERba(config_dict, num_coarse, fine_to_coarse)


# ----------------------------------------------------------------------------------------------
# Benchmark
# ----------------------------------------------------------------------------------------------

def dump_params(model: nn.Module, path: str) -> None:
    with open(path, "w") as fh:
        for name, t in model.state_dict().items():
            fh.write(f"{name} {list(t.shape)}\n")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--preset", default="composite-28", choices=sorted(PRESETS))
    ap.add_argument("--config", help="model config JSON file (overrides --preset)")
    ap.add_argument("--labels", default="megc-3", choices=sorted(LABEL_SCHEMES))
    ap.add_argument("--batch", type=int, default=32, help="throughput batch size")
    ap.add_argument("--min-calls", type=int, default=20, help="min timed throughput calls")
    ap.add_argument("--min-seconds", type=float, default=3.0, help="min throughput timing time")
    ap.add_argument("--latency-calls", type=int, default=200, help="batch-1 latency calls")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dump-params", metavar="FILE",
                    help="write 'name shape' per state_dict entry to FILE and exit")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = dict(PRESETS[args.preset])
    if args.config:
        with open(args.config) as fh:
            cfg = json.load(fh)
    f2c = LABEL_SCHEMES[args.labels]
    model = build_model(cfg, max(f2c) + 1, f2c).eval()

    if args.dump_params:
        dump_params(model, args.dump_params)
        print(f"wrote {len(model.state_dict())} entries to {args.dump_params}")
        return

    n_params = sum(p.numel() for p in model.parameters())
    n_buffers = sum(b.numel() for b in model.buffers())
    size = model.cfg["input_size"]
    c_in = model.cfg["in_channels"]
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"preset {args.preset if not args.config else args.config}, labels {args.labels}")
    print(f"parameters: {n_params:,} (buffers: {n_buffers:,} elements)")

    xb = torch.randn(args.batch, c_in, size, size)
    x1 = torch.randn(1, c_in, size, size)
    with torch.inference_mode():
        for _ in range(args.warmup):
            model(xb)
            model(x1)
        # throughput, batch B
        times = []
        t_start = time.perf_counter()
        while len(times) < args.min_calls or time.perf_counter() - t_start < args.min_seconds:
            t0 = time.perf_counter()
            model(xb)
            times.append(time.perf_counter() - t0)
        med_b = statistics.median(times)
        # latency, batch 1
        lat = []
        for _ in range(args.latency_calls):
            t0 = time.perf_counter()
            model(x1)
            lat.append((time.perf_counter() - t0) * 1e3)
    lat.sort()

    def pct(q):
        return lat[min(len(lat) - 1, max(0, math.ceil(q / 100 * len(lat)) - 1))]

    rows = [
        (f"throughput  batch {args.batch}", f"{args.batch / med_b:10.1f} samples/s",
         f"median {med_b * 1e3:.2f} ms/call over {len(times)} calls"),
        ("latency     batch 1  p50", f"{pct(50):10.3f} ms", f"over {len(lat)} calls"),
        ("latency     batch 1  p99", f"{pct(99):10.3f} ms", f"over {len(lat)} calls"),
    ]
    print(f"{'metric':<26} {'value':>20}   note")
    print("-" * 80)
    for a, b, c in rows:
        print(f"{a:<26} {b:>20}   {c}")


if __name__ == "__main__":
    main()
