"""The local gateway behind ``hatchway serve`` (needs ``hatchway[local]``).

One module per idea: :mod:`.cli` (the command), :mod:`.target` (what TARGET
names), :mod:`.gateway_choice` (which gateway, set up how), :mod:`.server`
(the werkzeug server and the gateway app), :mod:`.refusals` (the gateways'
own error answers and limits), :mod:`.inprocess` and :mod:`.ric` (the two
runtimes), :mod:`.runtime_api` (the Runtime API emulator), :mod:`.reload`,
:mod:`.console`. Nothing here is imported by ``import hatchway`` or on the
handler path; werkzeug is imported only when serving starts.
"""
