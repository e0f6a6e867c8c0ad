"""The same loops as carps runs, written with each library's own API: the "direct" side of bench_adapters.py.

One module per family. Each defines ``CASES``: a case name -> ``(optimizer_id, direct, library_calls)``,
where ``direct(task, n_trials, seed)`` returns ``(seconds, proposed)`` (``proposed``: one list of values
per trial, in ``task.space`` order; ``None`` where the library cannot be made to propose the same
configurations as the adapter, which the bench then reports) and ``library_calls`` names the adapter
attribute holding the library object and that object's methods, whose time the bench subtracts to
show carps' own cost, e.g. ``("_smac", ("ask", "tell"))``.
"""
