"""The same loops as carps runs, written with each library's own API: the "direct" side of bench_adapters.py.

One module per family. Each defines ``CASES``: a case name -> ``(optimizer_id, direct, library_calls)``,
where ``direct(task, n_trials, seed)`` returns ``(seconds, proposed)`` (``proposed``: one list of values
per trial, in ``task.space`` order; ``None`` where the library cannot be made to propose the same
configurations as the adapter, which the bench then reports) and ``library_calls`` names the adapter
attribute holding the library object and that object's methods, whose time the bench subtracts to
show carps' own cost, e.g. ``("_smac", ("ask", "tell"))`` (``None`` as the attribute: the adapter's own
methods that call the library). A fourth element, a task id, runs the case on that task instead of the
bench's ``--task`` (for families that need a fidelity).
"""
