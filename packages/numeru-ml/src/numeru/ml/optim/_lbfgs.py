"""L-BFGS with an optional strong-Wolfe line search: torch.optim.LBFGS's algorithm.

The parameters are flattened into one vector per evaluation (all on one device); the history
and the two-loop recursion run on that device's arrays. The line search is the cubic-
interpolation bracketing/zoom search of minFunc that torch ports (Nocedal and Wright, alg. 3.5).
"""

from __future__ import annotations

from typing import Any

from numeru.core.errors import DeviceError, expected

from ._optimizer import Optimizer, backend_xp, check_hyper, grad_enabled


def _cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                       bounds: tuple[float, float] | None = None) -> float:
    """Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square ** 0.5
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func: Any, xp: Any, x: Any, t: float, d: Any, f: float, g: Any,
                  gtd: float, c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                  max_ls: int = 25) -> tuple[float, Any, float, int]:
    dot = xp.vecdot
    d_norm = float(xp.max(xp.abs(d)))
    g = xp.asarray(g, copy=True)
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = float(dot(g_new, d))
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    # bracketing phase
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, xp.asarray(g_new, copy=True)], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, xp.asarray(g_new, copy=True)], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, xp.asarray(g_new, copy=True), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(dot(g_new, d))
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
        bracket_gtd = [gtd, gtd_new]
    # zoom phase
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        # stay away from the bracket's ends unless progress has been insufficient twice
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) \
                    else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(dot(g_new, d))
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = xp.asarray(g_new, copy=True), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = xp.asarray(g_new, copy=True), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS(Optimizer):
    """Limited-memory BFGS; ``step(closure)`` runs up to ``max_iter`` iterations.

    ``closure`` re-evaluates the model, fills the gradients and returns the loss. One
    parameter group only (as torch), all parameters on one device.
    """

    def __init__(self, params: Any, lr: float = 1.0, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                                  "tolerance_grad": tolerance_grad,
                                  "tolerance_change": tolerance_change,
                                  "history_size": history_size, "line_search_fn": line_search_fn})
        if len(self.param_groups) != 1:
            raise expected("params", "one parameter group (LBFGS has no per-group options)",
                           f"{len(self.param_groups)} groups")
        self._plist = self.param_groups[0]["params"]
        devices = {p.device for p in self._plist}
        if len(devices) != 1:
            raise DeviceError(f"params: expected all parameters on one device, got "
                              f"{sorted(str(d) for d in devices)}")

    def _check_group(self, group: dict[str, Any]) -> None:
        check_hyper("lr", group["lr"])
        for name in ("max_iter", "max_eval", "history_size"):
            value = group[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise expected(name, "a positive integer", value)
        check_hyper("tolerance_grad", group["tolerance_grad"])
        check_hyper("tolerance_change", group["tolerance_change"])
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise expected("line_search_fn", "None or 'strong_wolfe'", group["line_search_fn"])

    # -- flat views ----------------------------------------------------------------------------
    def _xp(self) -> Any:
        return backend_xp(self._plist[0])

    def _gather_flat_grad(self) -> Any:
        xp = self._xp()
        views = []
        for p in self._plist:
            if p.grad is None:
                views.append(xp.zeros(p.data.size, dtype=p.data.dtype))
            else:
                g = p.grad.data if hasattr(p.grad, "device") else p.grad
                views.append(xp.reshape(g, (-1,)))
        return xp.concat(views)

    def _add_grad(self, step_size: float, update: Any) -> None:
        offset = 0
        xp = self._xp()
        for p in self._plist:
            n = p.data.size
            p.data += step_size * xp.reshape(update[offset:offset + n], p.data.shape)
            offset += n

    def _clone_param(self) -> list[Any]:
        xp = self._xp()
        return [xp.asarray(p.data, copy=True) for p in self._plist]

    def _set_param(self, params_data: list[Any]) -> None:
        for p, saved in zip(self._plist, params_data, strict=True):
            p.data[...] = saved

    def _directional_evaluate(self, closure: Any, x: list[Any], t: float,
                              d: Any) -> tuple[float, Any]:
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure: Any = None) -> Any:
        """Run the L-BFGS iterations; ``closure`` is required. Returns the first loss."""
        if closure is None:
            raise expected("closure", "a function that recomputes the loss and gradients "
                           "(LBFGS evaluates the model several times per step)", None)
        closure = grad_enabled(closure)
        xp = self._xp()
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state[self._plist[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if float(xp.max(xp.abs(flat_grad))) <= tolerance_grad:
            return orig_loss

        d: Any = state.get("d")
        t: Any = state.get("t")
        old_dirs: Any = state.get("old_dirs")
        old_stps: Any = state.get("old_stps")
        ro: Any = state.get("ro")
        h_diag: Any = state.get("H_diag")
        prev_flat_grad: Any = state.get("prev_flat_grad")
        prev_loss: Any = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(xp.vecdot(y, s))
                if ys > 1e-10:  # keep the curvature pair only when it is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(xp.vecdot(y, y))
                num_old = len(old_dirs)
                al = [0.0] * num_old
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = float(xp.vecdot(old_stps[i], q)) * ro[i]
                    q = q - al[i] * old_dirs[i]
                r = q * h_diag
                for i in range(num_old):
                    be_i = float(xp.vecdot(old_dirs[i], r)) * ro[i]
                    r = r + (al[i] - be_i) * old_stps[i]
                d = r
            prev_flat_grad = xp.asarray(flat_grad, copy=True)
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(xp.sum(xp.abs(flat_grad)))) * lr
            else:
                t = lr
            gtd = float(xp.vecdot(flat_grad, d))
            if gtd > -tolerance_change:  # not a descent direction
                break
            ls_func_evals = 0
            if group["line_search_fn"] is not None:
                x_init = self._clone_param()

                def obj_func(x: Any, step: float, direction: Any) -> tuple[float, Any]:
                    return self._directional_evaluate(closure, x, step, direction)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, xp, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = float(xp.max(xp.abs(flat_grad))) <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = float(xp.max(xp.abs(flat_grad))) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if float(xp.max(xp.abs(d * t))) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update({"d": d, "t": t, "old_dirs": old_dirs, "old_stps": old_stps, "ro": ro,
                      "H_diag": h_diag, "prev_flat_grad": prev_flat_grad,
                      "prev_loss": prev_loss})
        return orig_loss
