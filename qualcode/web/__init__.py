"""The workbench in a browser: ``qualcode serve``.

``server`` is the web side (aiohttp through ``textual-serve``): it checks the token or password on
every request and starts one workbench process per browser tab. ``session`` is that process: the
terminal workbench, unchanged, behind a first screen where the colleague picks a coder name.
Nothing here is imported by ``qualcode.project`` or by the terminal commands.
"""
