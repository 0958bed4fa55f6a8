"""Generative recipes of the runtime: a GAN (generator against discriminator) and a VAE.

The model is the generated Model holding one module per network (model.generator,
model.discriminator / model.encoder, model.decoder). Their settings come from the run's config:

    "adversarial": {"latent": [32], "noise": "normal"|"uniform", "loss": "bce"|"hinge"|"wgan-gp",
                    "d_steps": 1, "g_steps": 1, "label_smoothing": 0.0, "gp_weight": 10.0,
                    "samples": 64, "sample_seed": 0}
    "optimizers": {"generator": {"type": "Adam", ...}, "discriminator": {...}}
    "vae": {"latent": [8], "kl_weight": 1.0, "warmup_epochs": 0, "samples": 64, "sample_seed": 0}

Each epoch's logs add the recipe's own means: d_loss, g_loss, d_real (D(x)) and d_fake
(D(G(z))) for a GAN (probabilities for "bce", raw scores otherwise); recon_loss, kl and
kl_weight for a VAE. Samples come from a fixed noise batch, so epochs can be compared."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .build import make_optimizer
from .loop import Recipe, first_output


def draw_noise(n: int, latent, kind: str, device, generator=None) -> torch.Tensor:
    """n latent codes: standard normal, or uniform in [-1, 1]."""
    shape = (n, *latent)
    if kind == "uniform":
        return torch.rand(shape, generator=generator).to(device) * 2 - 1
    return torch.randn(shape, generator=generator).to(device)


def fixed_noise(config: dict, device) -> torch.Tensor:
    """The run's fixed batch of latent codes (its own seed: the same in every epoch and run)."""
    gen = torch.Generator().manual_seed(int(config.get("sample_seed", 0)))
    return draw_noise(int(config["samples"]), config["latent"], config.get("noise", "normal"), device, gen)


@torch.no_grad()
def decode(network: torch.nn.Module, z: torch.Tensor) -> torch.Tensor:
    """The network's samples for codes z, in eval mode, as float32 on the CPU."""
    was = network.training
    network.eval()
    try:
        return first_output(network(z)).float().cpu()
    finally:
        network.train(was)


class Generative(Recipe):
    """What the generative recipes share: no supervised checks and metrics, the last epoch's
    weights are the ones kept, and samples from the fixed noise batch."""

    supervised = False  # the app skips its classifier/regressor checks and details
    keeps_last = True  # the losses do not rank epochs: the newest weights are the result
    section = ""
    sampler = ""  # the network that turns codes into samples

    def setup(self, loop) -> None:
        self.cfg = loop.config[self.section]
        self.latent = tuple(self.cfg["latent"])
        self.noise_kind = self.cfg.get("noise", "normal")
        self.fixed = fixed_noise(self.cfg, loop.device)
        self.sums = torch.zeros(len(self.logged), dtype=torch.float64, device=loop.device)
        self.batches = 0

    def noise(self, n: int, device) -> torch.Tensor:
        return draw_noise(n, self.latent, self.noise_kind, device)

    def samples(self, loop) -> torch.Tensor:
        return decode(getattr(loop.model, self.sampler), self.fixed)

    def _add(self, *values: torch.Tensor) -> None:
        self.sums += torch.stack([v.detach().double() for v in values])
        self.batches += 1

    def epoch_logs(self, loop) -> dict:
        """The epoch's means of the logged values (then the sums start again)."""
        means = (self.sums / max(self.batches, 1)).tolist()
        self.sums.zero_()
        self.batches = 0
        return dict(zip(self.logged, means))


class Adversarial(Generative):
    """The generator learns to make samples the discriminator takes for real ones; the
    discriminator learns to tell them apart (d_steps of D, then g_steps of G, per batch).

    bce: the standard non-saturating loss (G maximises log D(G(z))), with one-sided label
    smoothing (real targets 1 - label_smoothing). hinge: D on max(0, 1 -+ D), G on -D(G(z)).
    wgan-gp: a critic with a gradient penalty of gp_weight on mixes of real and fake."""

    name = "adversarial"
    section = "adversarial"
    sampler = "generator"
    logged = ("d_loss", "g_loss", "d_real", "d_fake")

    def setup(self, loop) -> None:
        super().setup(loop)
        model, cfg = loop.model, self.cfg
        self.G, self.D = model.generator, model.discriminator
        specs = loop.config["optimizers"]
        loop.optimizers = {name: make_optimizer(specs[name], loop.config["l2"],
                                                [p for p in getattr(model, name).parameters() if p.requires_grad])
                           for name in ("generator", "discriminator")}
        loop.primary = "generator"
        loop.scheduler = None  # one schedule for two optimizers would be a guess
        self.kind, self.smooth = cfg.get("loss", "bce"), float(cfg.get("label_smoothing", 0.0))

    def d_loss(self, real_out, fake_out, real=None, fake=None) -> torch.Tensor:
        if self.kind == "hinge":
            return F.relu(1 - real_out).mean() + F.relu(1 + fake_out).mean()
        if self.kind == "wgan-gp":
            loss = fake_out.mean() - real_out.mean()
            if real is not None:
                loss = loss + float(self.cfg.get("gp_weight", 10.0)) * self.penalty(real, fake)
            return loss
        target = torch.full_like(real_out, 1.0 - self.smooth)
        return (F.binary_cross_entropy_with_logits(real_out, target)
                + F.binary_cross_entropy_with_logits(fake_out, torch.zeros_like(fake_out)))

    def g_loss(self, fake_out) -> torch.Tensor:
        if self.kind == "bce":  # non-saturating: log D(G(z)) up, not log(1 - D(G(z))) down
            return F.binary_cross_entropy_with_logits(fake_out, torch.ones_like(fake_out))
        return -fake_out.mean()

    def penalty(self, real, fake) -> torch.Tensor:
        eps = torch.rand((len(real),) + (1,) * (real.ndim - 1), device=real.device)
        mix = (eps * real + (1 - eps) * fake).requires_grad_(True)
        out = first_output(self.D(mix))
        (grad,) = torch.autograd.grad(out.sum(), mix, create_graph=True)
        return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()

    def score(self, out) -> torch.Tensor:
        """What D(x) reports: a probability for bce, the raw score otherwise."""
        return torch.sigmoid(out).mean() if self.kind == "bce" else out.mean()

    def step(self, loop, xb, yb) -> torch.Tensor:
        real, n = xb, len(xb)
        for _ in range(int(self.cfg.get("d_steps", 1))):
            with torch.no_grad():
                fake = first_output(self.G(self.noise(n, real.device)))
            real_out, fake_out = first_output(self.D(real)), first_output(self.D(fake))
            d_loss = self.d_loss(real_out, fake_out, real, fake)
            loop.optimize(d_loss, "discriminator")
        for _ in range(int(self.cfg.get("g_steps", 1))):
            fake_out = first_output(self.D(first_output(self.G(self.noise(n, real.device)))))
            g_loss = self.g_loss(fake_out)
            loop.optimize(g_loss, "generator")
        self._add(d_loss, g_loss, self.score(real_out), self.score(fake_out))
        return d_loss.detach() + g_loss.detach()

    @torch.no_grad()
    def evaluate(self, loop, x, y, names=None) -> tuple[float, dict]:
        """val_loss: the discriminator's loss on held-out real samples against as many
        samples of the fixed noise (no penalty), in eval mode."""
        was = loop.model.training
        loop.model.eval()
        try:
            n = min(len(x), len(self.fixed))
            real_out = first_output(self.D(loop.inputs(x[:n])))
            fake_out = first_output(self.D(first_output(self.G(self.fixed[:n]))))
            return float(self.d_loss(real_out, fake_out)), {}
        finally:
            loop.model.train(was)


class VAE(Generative):
    """A variational autoencoder: the encoder's Reparameterize layer draws a code from the
    mean and log-variance it is given (and keeps their KL divergence from N(0, I) in
    encoder.kl); the decoder reconstructs the input. The loss is the reconstruction (the run's
    loss summed over a sample's values, averaged over the batch) plus kl_weight times the KL,
    with the weight rising linearly over the first warmup_epochs. Samples decode the fixed
    codes drawn from the prior N(0, I)."""

    name = "vae"
    section = "vae"
    sampler = "decoder"
    keeps_last = False  # the validation loss (with the full KL weight) ranks epochs
    logged = ("recon_loss", "kl", "kl_weight")

    def setup(self, loop) -> None:
        super().setup(loop)
        self.E, self.Dec = loop.model.encoder, loop.model.decoder

    def kl_weight(self, loop) -> float:
        weight, warmup = float(self.cfg.get("kl_weight", 1.0)), int(self.cfg.get("warmup_epochs", 0))
        return weight * min(1.0, (loop.epoch + 1) / warmup) if warmup else weight

    def losses(self, loop, inputs, target) -> tuple[torch.Tensor, torch.Tensor]:
        out = first_output(self.Dec(first_output(self.E(inputs))))
        per_value = loop.loss_fn(out, target)  # the mean over every value of the batch
        return per_value * target[0].numel(), self.E.kl

    def step(self, loop, xb, yb) -> torch.Tensor:
        inputs = loop.augment(xb) if loop.augment is not None else xb
        weight = self.kl_weight(loop)
        with loop.autocast():
            recon, kl = self.losses(loop, inputs, xb)
            loss = recon + weight * kl
        loop.optimize(loss, "model")
        self._add(recon, kl, torch.tensor(weight, device=recon.device))
        return loss

    @torch.no_grad()
    def evaluate(self, loop, x, y, names=None) -> tuple[float, dict]:
        """val_loss: reconstruction + kl_weight * KL of the codes' means (eval mode), over all of x."""
        was = loop.model.training
        loop.model.eval()
        try:
            total, n = 0.0, 0
            for i in range(0, len(x), 1024):
                chunk = loop.inputs(x[i:i + 1024])
                recon, kl = self.losses(loop, chunk, chunk)
                total += float(recon + float(self.cfg.get("kl_weight", 1.0)) * kl) * len(chunk)
                n += len(chunk)
            return total / max(n, 1), {}
        finally:
            loop.model.train(was)


GENERATIVE = {r.name: r for r in (Adversarial, VAE)}
