"""pymoo's genetic algorithm (the pymoo family's blackbox default) and CMA-ES driven by hand through pymoo's ask/tell."""

from __future__ import annotations

import time


def _direct(make_algorithm, task, n_trials: int, seed: int) -> tuple[float, list]:
    import numpy as np
    from pymoo.core.evaluator import Evaluator
    from pymoo.core.problem import Problem
    from pymoo.core.termination import NoTermination
    from pymoo.problems.static import StaticProblem

    # the bench task is a box of floats: pymoo's vectors are the configurations themselves
    names = list(task.space.keys())
    function = task.function
    t0 = time.perf_counter()
    lower = np.array([task.space[n].lower for n in names], dtype=float)
    upper = np.array([task.space[n].upper for n in names], dtype=float)
    # one inequality constraint, as carps declares it (for forbidden and failed trials; here always met)
    problem = Problem(n_var=len(names), n_obj=1, n_ieq_constr=1, xl=lower, xu=upper)
    algorithm = make_algorithm()
    algorithm.setup(problem, seed=seed, termination=NoTermination())
    asked: list = []
    while len(asked) < n_trials:
        pop = algorithm.ask()
        F = []
        for x in pop.get("X").tolist()[: n_trials - len(asked)]:
            F.append([float(function(dict(zip(names, x)), None, seed))])
            asked.append(x)
        if len(F) < len(pop):
            break  # the budget ends inside this generation: carps does not tell it either
        Evaluator().eval(StaticProblem(problem, F=np.array(F), G=np.zeros((len(F), 1))), pop)
        algorithm.tell(infills=pop)
    return time.perf_counter() - t0, asked


def direct_ga(task, n_trials: int, seed: int) -> tuple[float, list]:
    from pymoo.algorithms.soo.nonconvex.ga import GA

    return _direct(lambda: GA(pop_size=20), task, n_trials, seed)


def direct_cmaes(task, n_trials: int, seed: int) -> tuple[float, list]:
    from pymoo.algorithms.soo.nonconvex.cmaes import CMAES

    def make():
        algorithm = CMAES()
        algorithm.n_sample_points = 20  # the catalog's value, pymoo's default
        return algorithm

    # cma seeds numpy's global generator and draws from it; carps gives it a private one instead,
    # which is the same sequence as long as nothing else draws in between
    return _direct(make, task, n_trials, seed)


CASES = {
    "pymoo_ga": ("pymoo/ga", direct_ga, ("_algorithm", ("ask", "tell"))),
    "pymoo_cmaes": ("pymoo/cmaes", direct_cmaes, ("_algorithm", ("ask", "tell"))),
}
