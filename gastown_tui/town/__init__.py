"""The town model: a workspace of rigs (projects), crews, convoys, mail and agent settings.

The public API other layers use (everything takes explicit `cwd`/`environ`, never the
process's own, so the app can act "as if" from anywhere)::

    find_town(cwd, environ) -> Town           # GT_TOWN_ROOT, else walk up to mayor/town.toml;
                                              # raises NotInTown (a TownError) with what to do
    Town.root, Town.name, Town.config() -> dict, Town.runtime_dir
    Town.rigs() -> list[Rig]; Town.rig(name) -> Rig (TownError naming the known rigs)
    Town.ledger(actor=None) -> beads.Ledger   # the town ledger, prefix hq (convoys, mail)
    Town.ledger_for(bead_id, actor=None) -> beads.Ledger   # routed by prefix (routes.jsonl)
    Town.ledger_at_route(path, actor=None) -> beads.Ledger   # by routes.jsonl path ("." = town)
    Town.rig_for_prefix(bead_id) -> Rig | None

    Rig.name, .url, .branch (= .default_branch), .prefix, .path, .repo_path (bare .repo.git),
    .clone_path (mayor/rig), .beads_dir, .crew_dir, .polecats_dir, .settings() -> dict,
    .ledger(actor=None), .crew_names(), .polecat_names()

    resolve_agent(town, rig=None, override=None, environ=None) -> AgentPreset
        # --agent > rig `agent` > town default_agent > claude; TownError when the executable
        # is not on PATH, suggesting the change that fixes it (`gt config default-agent demo`
        # for the town default, `gt config set agent demo --rig R` for a rig's own choice)
    AgentPreset(name, argv: tuple[str, ...], source, ready_prompt, description); .command

    current_identity(town, cwd, environ) -> str
        # BD_ACTOR when it is an address, else GT_ROLE (+ GT_RIG/GT_POLECAT/GT_CREW), else
        # <rig>/crew/<name> inside a crew clone, else "overseer" (a person's own shell)

    create_convoy(town, name, issue_ids=(), notify=(), human=False, actor=None) -> Convoy
        # a town-ledger bead hq-cv-*, `tracks` links to issues of any rig; notify addresses
        # are validated (groups expanded); human=True adds "overseer"
    check_landing(town, closed_issue_id, actor=None) -> list[Convoy]
        # call after closing any issue: lands (closes) every convoy whose tracked issues are
        # now all closed and mails its notify addresses (mayor/ when none); returns those
    after_close(cwd, environ, closed_ids, actor=None) -> list[Convoy]
        # the same from a command's point of view (finds the town; nothing outside one);
        # `bd close` and `bd update --status closed` call it, `gt done` should too
    after_reopen(cwd, environ, reopened_ids, actor=None) -> list[Convoy]
        # the reverse, for `bd reopen` and `bd update --status open`: every landed convoy
        # tracking a reopened issue is open again (reopen_landed), so it lands again later
    send_mail(town, sender, to, subject, body, urgent=False, reply_to=None) -> list[Message]
        # `to` is an address or group (see addresses.py); one message bead per recipient
    inbox(town, address, unread=False) -> list[Message]          # newest first

    cost_report(town, by="agent", since=None, environ=None) -> costs.CostReport
        # `gt costs`: tokens and cost by agent|convoy|rig|day from the agents' own records
    agent_costs(town, since=None, environ=None) -> costs.CostReport   # by agent, today
    town_status(town, live_agent_rows_or_None, note="", environ=None) -> status.TownStatus
        # `gt status`: per rig agents by state, queues, today's cost, oldest stalled, needs
    needs_items(agents, merges, mail) -> list[needs.NeedsItem]   # what needs a person
    (in the modules costs, status and needs)

Errors a person can fix are `TownError` (one line, `exit_code` 1 or 2); the command registry
shows them without a traceback. Layout on disk: see `paths.py`.
"""

from ..lazy import lazy_exports

# A command that only finds its town (the agents' hot path: `gt prime`, `gt agents`) does not
# pay for convoys, mail and presets.
_HOME = {
    "current_identity": "addresses", "Convoy": "convoys", "after_close": "convoys",
    "after_reopen": "convoys", "check_landing": "convoys", "create_convoy": "convoys",
    "NotInTown": "errors",
    "TownError": "errors", "Message": "mail", "inbox": "mail", "send_mail": "mail",
    "Rig": "model", "Town": "model", "find_town": "model", "AgentPreset": "presets",
    "resolve_agent": "presets",
}

__all__ = sorted(_HOME)
__getattr__ = lazy_exports(__name__, _HOME)
