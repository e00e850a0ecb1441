"""A multi-task Gaussian process with a learned task covariance (intrinsic coregionalisation).

``k((x, i), (x', j)) = B[i, j] · k_x(x, x')``: one Matérn-5/2 kernel with automatic relevance
determination over the architecture features, times a free-form positive semi-definite task
covariance ``B`` (GPyTorch's ``IndexKernel``: ``B = W Wᵀ + diag(v)``, full rank). Each task
has its own noise level. ``B``'s correlations say how much one task's results predict
another's: a task unrelated to the others is explained by its own variance and noise, its
correlations stay near 0, and its data does not move the other tasks' predictions
(Swersky, Snoek & Adams, "Multi-Task Bayesian Optimization", NeurIPS 2013; Bonilla et al.,
"Multi-task Gaussian process prediction", NeurIPS 2007).

Each task's targets are standardised on its own observations. Hyperparameters are MAP
estimates under BoTorch-style priors (Gamma priors on lengthscales, output scale and
noise), fitted with Adam on the exact marginal likelihood; later fits start from the last
hyperparameters (``warm``) and take fewer steps. Everything runs in float64 on the CPU under
the caller's thread count (``threads``), restored afterwards.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from tasknas._torch import torch_threads
from tasknas.errors import InvalidSettingError

__all__ = ["MultiTaskGP", "expected_improvement"]


@contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    """``torch_threads(threads)``, with the sparse-tensor notice GPyTorch's task indexing
    triggers in torch silenced."""
    import torch  # noqa: F401 - loaded, so that torch_threads applies the count

    with torch_threads(threads), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse invariant checks", category=UserWarning)
        yield


def _gpytorch() -> Any:
    """GPyTorch, imported on first use (its import scripts functions with ``torch.jit``,
    which recent torch releases report as deprecated; the notice is not the user's)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "`torch.jit.script` is deprecated", DeprecationWarning)
        import gpytorch
    return gpytorch


def _build(x: Any, y: Any, n_tasks: int, seed: int) -> tuple[Any, Any]:
    """The ICM model; ``x``'s last column is the task index."""
    import torch

    gpytorch = _gpytorch()

    from tasknas._torch import seeded

    class _ICM(gpytorch.models.ExactGP):
        def __init__(self) -> None:
            likelihood = gpytorch.likelihoods.HadamardGaussianLikelihood(
                num_tasks=n_tasks,
                noise_prior=gpytorch.priors.LogNormalPrior(-4.0, 1.0),
                noise_constraint=gpytorch.constraints.GreaterThan(1e-5),
                task_feature_index=-1,
            )
            super().__init__(x, y, likelihood)
            self.mean_module = gpytorch.means.ConstantMean()
            self.covar_module = gpytorch.kernels.MaternKernel(
                nu=2.5,
                ard_num_dims=dims,
                lengthscale_prior=gpytorch.priors.LogNormalPrior(
                    math.sqrt(2.0) + 0.5 * math.log(dims), math.sqrt(3.0)
                ),
            )
            self.task_covar_module = gpytorch.kernels.IndexKernel(
                num_tasks=n_tasks, rank=n_tasks, prior=None
            )

        def forward(self, inputs: Any) -> Any:
            x, i = inputs[..., :-1], inputs[..., -1:].long()
            covar = self.covar_module(x).mul(self.task_covar_module(i))
            return gpytorch.distributions.MultivariateNormal(self.mean_module(x), covar)

    dims = x.shape[-1] - 1
    with seeded(seed):
        model = _ICM().to(torch.float64)
        with torch.no_grad():
            # Seeded jitter of the initial lengthscales: the seed chooses the start of the
            # hyperparameter fit, as a restart would.
            jitter = torch.exp(0.1 * torch.randn(1, dims, dtype=torch.float64))
            model.covar_module.lengthscale = math.sqrt(dims) / 2 * jitter
            model.likelihood.noise = torch.full((n_tasks,), 0.05, dtype=torch.float64)
            # Start between unrelated and identical tasks (correlation about 0.5): from 0 the
            # gradient of B = W Wᵀ vanishes and correlations could not be learned.
            factor = model.task_covar_module.covar_factor
            factor.mul_(0.05).abs_()
            factor[:, 0] += 0.7
            model.task_covar_module.var = torch.full((n_tasks,), 0.5, dtype=torch.float64)
    return model, model.likelihood


@dataclass
class _Columns:
    """The architecture kernel between one candidate pool (``features``) and the training
    points: its first ``done`` columns of ``store`` are valid; ``product`` holds the last
    task-scaled copy."""

    features: np.ndarray
    store: Any
    done: int = 0
    product: Any = None


class MultiTaskGP:
    """An exact ICM Gaussian process over ``(features, task index)`` pairs.

    Args:
        n_tasks: number of tasks (task indices are ``0 .. n_tasks - 1``).
        steps: Adam steps of a first (cold) hyperparameter fit.
        warm_steps: Adam steps of a fit that starts from the previous hyperparameters.
        lr: Adam learning rate.
        seed: seed of the initial task-covariance factor.
        threads: torch threads while fitting and predicting (``None``: leave as is).
    """

    def __init__(
        self,
        n_tasks: int,
        *,
        steps: int = 80,
        warm_steps: int = 25,
        lr: float = 0.1,
        seed: int = 0,
        threads: int | None = 1,
    ) -> None:
        if n_tasks < 1 or steps < 1 or warm_steps < 0 or not lr > 0:
            raise InvalidSettingError(
                f"MultiTaskGP needs n_tasks >= 1, steps >= 1, warm_steps >= 0, lr > 0; got "
                f"{n_tasks}, {steps}, {warm_steps}, {lr}"
            )
        self.n_tasks = n_tasks
        self._best: dict[int, float] = {}
        self.steps = steps
        self.warm_steps = warm_steps
        self.lr = lr
        self.seed = seed
        self.threads = threads
        self._hypers: dict[str, Any] | None = None
        self._model: Any = None
        self._cache: tuple[Any, Any, Any, Any] | None = None
        self._columns: _Columns | None = None
        self._shift = np.zeros(n_tasks)
        self._scale = np.ones(n_tasks)

    # -- fitting ----------------------------------------------------------------------------

    def fit(
        self, features: np.ndarray, tasks: np.ndarray, values: np.ndarray, *, hypers: bool = True
    ) -> MultiTaskGP:
        """Condition on ``values`` observed at ``(features, tasks)``.

        Args:
            features: ``(n, d)`` architecture features.
            tasks: ``(n,)`` task indices.
            values: ``(n,)`` observations (higher is better; any scale).
            hypers: optimise the hyperparameters (warm-started after the first fit); when
                False, keep the last ones and only condition on the data.
        """
        import torch

        gpytorch = _gpytorch()
        features = np.asarray(features, dtype=float)
        tasks = np.asarray(tasks, dtype=int)
        values = np.asarray(values, dtype=float)
        if not (len(features) == len(tasks) == len(values)) or len(values) == 0:
            raise InvalidSettingError("fit needs as many features, tasks and values, at least 1")
        for t in range(self.n_tasks):
            own = values[tasks == t]
            self._shift[t] = own.mean() if len(own) else 0.0
            spread = own.std() if len(own) > 1 else 0.0
            self._scale[t] = spread if spread > 1e-12 else 1.0
        y = (values - self._shift[tasks]) / self._scale[tasks]
        self._best = {int(t): float(values[tasks == t].max()) for t in set(tasks.tolist())}
        with _torch_threads(self.threads):
            x = torch.as_tensor(np.column_stack([features, tasks]), dtype=torch.float64)
            yt = torch.as_tensor(y, dtype=torch.float64)
            model, likelihood = _build(x, yt, self.n_tasks, self.seed)
            if self._hypers is not None:
                model.load_state_dict(
                    {k: torch.as_tensor(v, dtype=torch.float64) for k, v in self._hypers.items()}
                )
            steps = self.steps if self._hypers is None else self.warm_steps
            if hypers and steps > 0:
                model.train()
                mll = gpytorch.mlls.ExactMarginalLogLikelihood(likelihood, model)
                optimizer = torch.optim.Adam(model.parameters(), lr=self.lr)
                with gpytorch.settings.cholesky_jitter(1e-6):
                    for _ in range(steps):
                        optimizer.zero_grad()
                        loss = -mll(model(x), yt, x)
                        loss.backward()
                        optimizer.step()
                        with torch.no_grad():  # W ≥ 0: correlations between tasks ≥ 0
                            model.task_covar_module.covar_factor.clamp_(min=0.0)
            model.eval()
            self._hypers = {k: v.detach().clone().numpy() for k, v in model.state_dict().items()}
        self._model = model
        self._cache = None
        if self._columns is not None:  # new hyperparameters and data: no column is valid,
            self._columns.done = 0  # but the memory is reused
        return self

    # -- prediction ---------------------------------------------------------------------------

    def best(self, task: int) -> float:
        """The best value observed on ``task``, on the scale of ``predict`` (``-inf`` if
        none)."""
        return self._best.get(int(task), -np.inf)

    def predict(self, features: np.ndarray, task: int) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of the noise-free value on ``task``, in the
        task's own units.

        The posterior is computed from the fitted kernel's matrices with one Cholesky
        factor of the training covariance (cached per fit), in chunks: GPyTorch's generic
        predictive path builds the test points' joint covariance, quadratic in their number.
        """
        cross = self._cross(features, task)
        mean = self._mean(cross)
        std = self._std(cross, task)
        return mean * self._scale[task] + self._shift[task], std * self._scale[task]

    def upper_confidence_bound(
        self, features: np.ndarray, task: int, beta: float, *, top: int, exclude: np.ndarray
    ) -> np.ndarray:
        """``mean + beta·std`` on ``task`` (task units) wherever it can be among the ``top``
        best of the rows not in ``exclude`` (a boolean mask); ``-inf`` elsewhere.

        Exact, and cheaper than ``predict``: the standard deviation, the costly part, is only
        computed where the mean plus ``beta`` prior standard deviations reaches the ``top``-th
        best bound of the highest means.
        """
        cross = self._cross(features, task)
        mean = self._mean(cross)
        mean[exclude] = -np.inf
        score = np.full(len(mean), -np.inf)
        order = np.argsort(-mean, kind="stable")
        first = order[: max(4 * top, 64)]
        first = first[np.isfinite(mean[first])]
        if len(first) == 0:
            return score
        score[first] = mean[first] + beta * self._std(cross[first], task)
        threshold = np.sort(score[first])[::-1][min(top, len(first)) - 1]
        prior_sd = float(np.sqrt(max(self.task_covariance()[task, task], 0.0)))
        rest = order[max(4 * top, 64) :]
        rest = rest[np.isfinite(mean[rest]) & (mean[rest] + beta * prior_sd >= threshold)]
        if len(rest):
            score[rest] = mean[rest] + beta * self._std(cross[rest], task)
        return score * self._scale[task] + self._shift[task]

    def _cross(self, features: np.ndarray, task: int, *, reuse: bool = True) -> Any:
        """Covariances of ``features`` on ``task`` with every training point.

        The architecture kernel ``k(x, x')`` does not depend on the task, so with ``reuse``
        its columns are kept for the last ``features`` array (the candidate pool) until the
        next fit: the other tasks of one ask, and the points ``fantasize`` adds, cost only
        the new columns. With ``reuse`` the result lives in a buffer that the next call
        overwrites; the buffers are reused across fits, so that a long run does not
        allocate (and fault in) a pool-sized matrix at every ask.
        """
        import torch

        if self._model is None:
            raise InvalidSettingError("predict needs a fitted model; call fit first")
        model = self._model
        with _torch_threads(self.threads), torch.no_grad():
            _, _, train_x, train_i = self._factor()
            task_row = model.task_covar_module.covar_matrix.to_dense()[task, train_i]
            kept = self._columns if reuse else None
            if kept is None or kept.features is not features:
                store = torch.empty((len(features), 2 * len(train_x)), dtype=torch.float64)
                kept = _Columns(features, store)
            wanted = len(train_x)
            if wanted > kept.store.shape[1]:  # room for twice as many columns, so few copies
                grown = torch.empty((len(features), 2 * wanted), dtype=torch.float64)
                grown[:, : kept.done] = kept.store[:, : kept.done]
                kept.store, kept.product = grown, None
            if kept.done < wanted:
                rows = np.asarray(features, dtype=float)
                for i in range(0, len(rows), 4096):
                    chunk = torch.as_tensor(rows[i : i + 4096], dtype=torch.float64)
                    kernel = model.covar_module(chunk, train_x[kept.done : wanted]).to_dense()
                    kept.store[i : i + 4096, kept.done : wanted] = kernel
                kept.done = wanted
            if not reuse:
                return kept.store[:, :wanted] * task_row
            if kept.product is None:
                kept.product = torch.empty(kept.store.numel(), dtype=torch.float64)
            self._columns = kept
            # the product goes to a kept buffer too (valid until the next call)
            out = kept.product[: len(features) * wanted].view(len(features), wanted)
            return torch.mul(kept.store[:, :wanted], task_row, out=out)

    def _mean(self, cross: Any) -> np.ndarray:
        import torch

        with _torch_threads(self.threads), torch.no_grad():
            _, alpha, _, _ = self._factor()
            return (self._model.mean_module.constant + cross @ alpha).numpy()

    def _std(self, cross: Any, task: int) -> np.ndarray:
        import torch

        with _torch_threads(self.threads), torch.no_grad():
            chol, _, _, _ = self._factor()
            prior_var = self._model.task_covar_module.covar_matrix.to_dense()[task, task]
            out = []
            for i in range(0, len(cross), 4096):
                v = torch.linalg.solve_triangular(chol, cross[i : i + 4096].T, upper=False)
                out.append((prior_var - (v * v).sum(0)).clamp_min(1e-12).sqrt().numpy())
        return np.concatenate(out) if out else np.zeros(0)

    def _factor(self) -> tuple[Any, Any, Any, Any]:
        """Cholesky factor of the noisy training covariance, ``K⁻¹(y − m)``, inputs, tasks."""
        if self._cache is None:
            model = self._model
            inputs = model.train_inputs[0]
            self._cache = self._condition(inputs[:, :-1], inputs[:, -1].long(), model.train_targets)
        return self._cache

    def _condition(self, train_x: Any, train_i: Any, targets: Any) -> tuple[Any, Any, Any, Any]:
        import torch

        model = self._model
        b = model.task_covar_module.covar_matrix.to_dense()
        k = model.covar_module(train_x).to_dense() * b[train_i][:, train_i]
        noise = model.likelihood.noise.reshape(-1)[train_i]
        chol = torch.linalg.cholesky(k + torch.diag(noise + 1e-8))
        resid = (targets - model.mean_module.constant).unsqueeze(-1)
        alpha = torch.cholesky_solve(resid, chol).squeeze(-1)
        self._targets = targets
        return chol, alpha, train_x, train_i

    def fantasize(self, features: np.ndarray, task: int) -> None:
        """Treat ``features`` as observed on ``task`` at their posterior mean ("kriging
        believer"): later predictions of every task correlated with ``task`` lose their
        uncertainty there, so one ask does not spend two evaluations on what one tells."""
        import torch

        if len(features) == 0:
            return
        features = np.asarray(features, dtype=float)
        standardised = self._mean(self._cross(features, task, reuse=False))
        with _torch_threads(self.threads), torch.no_grad():
            _, _, train_x, train_i = self._factor()
            x = torch.as_tensor(features, dtype=torch.float64)
            self._cache = self._condition(
                torch.cat([train_x, x]),
                torch.cat([train_i, torch.full((len(x),), int(task), dtype=torch.long)]),
                torch.cat([self._targets, torch.as_tensor(standardised, dtype=torch.float64)]),
            )

    def task_covariance(self) -> np.ndarray:
        """The learned task covariance ``B`` (standardised units)."""
        if self._model is None:
            raise InvalidSettingError("task_covariance needs a fitted model; call fit first")
        import torch

        with torch.no_grad():
            return self._model.task_covar_module.covar_matrix.to_dense().numpy().copy()

    def task_correlation(self) -> np.ndarray:
        """``B``'s correlation matrix: how strongly each task's results predict another's."""
        cov = self.task_covariance()
        d = np.sqrt(np.clip(np.diag(cov), 1e-12, None))
        return cov / np.outer(d, d)

    # -- state ----------------------------------------------------------------------------

    def hypers_state(self) -> dict[str, list[Any]] | None:
        """The last hyperparameters as JSON-serialisable lists (``None`` before any fit)."""
        if self._hypers is None:
            return None
        return {k: np.asarray(v).tolist() for k, v in self._hypers.items()}

    def load_hypers_state(self, state: dict[str, list[Any]] | None) -> None:
        """Restore hyperparameters taken by ``hypers_state``."""
        self._hypers = (
            None if state is None else {k: np.asarray(v, dtype=float) for k, v in state.items()}
        )


def expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """Expected improvement over ``best`` of normal predictions (maximisation)."""
    from scipy.stats import norm

    std = np.maximum(std, 1e-12)
    z = (mean - best) / std
    return (mean - best) * norm.cdf(z) + std * norm.pdf(z)
