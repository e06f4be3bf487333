"""L2-regularised logistic regression in numpy: binary (Newton/IRLS) and multinomial (accelerated gradient).

Both are deterministic (no random start), so the same data always gives the same coefficients, and both leave
the intercept unpenalised. The binary fit can hold coefficients non-negative by an active set: a component whose
coefficient comes out negative is dropped and the rest refitted (rather than clipped, which would leave the
others fitted to a model that no longer exists), so every weight of a score reads "more is better".
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def fit_binary(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 100,
               weights: np.ndarray | None = None, centre: np.ndarray | None = None) -> np.ndarray:
    """Coefficients (intercept first) of L2-penalised logistic regression of y in {0, 1} on the columns of x.
    The penalty pulls the coefficients towards `centre` (default 0): a refit on few labels then moves a prior
    model only as far as the labels ask."""
    a = np.hstack([np.ones((x.shape[0], 1)), x])
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    penalty = l2 * np.eye(a.shape[1])
    penalty[0, 0] = 0.0
    target = np.zeros(a.shape[1]) if centre is None else np.concatenate([[0.0], centre])
    beta = target.copy()

    def objective(b: np.ndarray) -> float:
        z = a @ b
        loglik = float((w * (y * z - np.logaddexp(0.0, z))).sum())
        return loglik - 0.5 * float((b - target) @ penalty @ (b - target))

    current = objective(beta)
    for _ in range(iters):
        p = sigmoid(a @ beta)
        grad = a.T @ (w * (y - p)) - penalty @ (beta - target)
        hess = (a * (w * p * (1 - p))[:, None]).T @ a + penalty + 1e-9 * np.eye(a.shape[1])
        step = np.linalg.solve(hess, grad)
        t = 1.0  # damped Newton: halve the step until the penalised likelihood improves (separable data)
        while t > 1e-8 and (candidate := objective(beta + t * step)) < current:
            t *= 0.5
        if t <= 1e-8:
            break
        beta, current = beta + t * step, candidate
        if np.max(np.abs(t * step)) < 1e-10:
            break
    return beta


def fit_binary_nonneg(x: np.ndarray, y: np.ndarray, l2: float = 1.0, centre: np.ndarray | None = None) -> np.ndarray:
    """`fit_binary` with every coefficient but the intercept held >= 0 (active set); dropped columns get 0."""
    active = [j for j in range(x.shape[1]) if np.ptp(x[:, j]) > 1e-12]
    beta = np.zeros(x.shape[1] + 1)
    centre = np.zeros(x.shape[1]) if centre is None else np.asarray(centre, dtype=float)
    while True:
        fitted = fit_binary(x[:, active], y, l2, centre=centre[active])
        if (fitted[1:] >= 0).all():
            beta[0] = fitted[0]
            beta[[j + 1 for j in active]] = fitted[1:]
            return beta
        active = [j for j, b in zip(active, fitted[1:], strict=True) if b >= 0]


def _softmax_loss(w: np.ndarray, a: np.ndarray, target: np.ndarray, reg: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean log-loss plus the L2 term, and its gradient."""
    z = a @ w
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = a.shape[0]
    loss = -float((target * (z - log_norm)).sum()) / n + 0.5 * float((reg * w * w).sum())
    grad = a.T @ (np.exp(z - log_norm) - target) / n + reg * w
    return loss, grad


def fit_softmax(x: np.ndarray, y: np.ndarray, n_classes: int, l2: float = 1.0, iters: int = 500,
                tol: float = 1e-6, memory: int = 10) -> np.ndarray:
    """Weights (n_features + 1, n_classes), intercept row first, of multinomial logistic regression of the
    class indices y on x, minimising the mean log-loss plus l2 / (2 n) times the squared weights (the binary
    fit's penalty per row). L-BFGS with a backtracking (Armijo) line search from a zero start: no randomness,
    so the same data gives the same weights."""
    n = x.shape[0]
    a = np.hstack([np.ones((n, 1)), x])
    target = np.zeros((n, n_classes))
    target[np.arange(n), y] = 1.0
    reg = np.full((a.shape[1], 1), l2 / n)
    reg[0] = 0.0
    w = np.zeros((a.shape[1], n_classes))
    loss, grad = _softmax_loss(w, a, target, reg)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(iters):
        q = grad.copy()
        alphas = []
        for s, yv, rho in reversed(steps):
            alpha = rho * float((s * q).sum())
            alphas.append(alpha)
            q -= alpha * yv
        if steps:
            s, yv, _rho = steps[-1]
            q *= float((s * yv).sum()) / float((yv * yv).sum())
        for (s, yv, rho), alpha in zip(steps, reversed(alphas), strict=True):
            q += s * (alpha - rho * float((yv * q).sum()))
        direction = -q
        slope = float((grad * direction).sum())
        if slope >= 0:  # not a descent direction: restart from the gradient
            steps.clear()
            direction, slope = -grad, -float((grad * grad).sum())
        t = 1.0 if steps else min(1.0, 1.0 / max(1e-12, float(np.abs(grad).sum())))
        while True:
            w_new = w + t * direction
            loss_new, grad_new = _softmax_loss(w_new, a, target, reg)
            if loss_new <= loss + 1e-4 * t * slope or t < 1e-10:
                break
            t *= 0.5
        s, yv = w_new - w, grad_new - grad
        sy = float((s * yv).sum())
        if sy > 1e-12:
            steps.append((s, yv, 1.0 / sy))
            del steps[:-memory]
        w, loss, grad = w_new, loss_new, grad_new
        if float(np.abs(grad).max()) < tol:
            break
    return w - w.mean(axis=1, keepdims=True)  # softmax is shift-invariant per row: store the centred weights
