"""The CLI's commands, one module per area.

A module is imported only when one of its commands runs (or its ``--help`` is asked for):
:data:`COMMANDS` names each command's module and its one-line summary for
``powermap --help``, which therefore imports none of them. A test checks the table
against the commands the modules register, so it cannot drift: a new command is
added here with the first sentence of its help.
"""

__all__ = ["COMMANDS"]

#: command → (module in this package, the first sentence of its help)
COMMANDS: dict[str, tuple[str, str]] = {
    "import": ("data", "Import spreadsheets or a Salesforce export."),
    "stats": ("data", "Counts of everything in the store (accounts, contacts, edges …)."),
    "accounts": ("data", 'Every account: id, name, parent, kind, tier, entered posture, our share of its wallet and its number of contacts (`powermap posture` suggests a posture).'),
    "show": ("data", "The tree of ACCOUNT (an id from `powermap accounts`): group → subsidiaries → departments → "
                     "contacts with title, level, buying roles and stance."),
    "demo": ("data", "Load the bundled demo data (a group customer with bases, purchasing windows, 150+ contacts, "
                     "our iron triangle and four opportunities) into the store, then serve it on 127.0.0.1 and "
                     "print the sign-in link to the index of maps (Ctrl-C stops)."),
    "template": ("workbooks", "Write a blank workbook in the import format, to fill in and import."),
    "export": ("workbooks", "Write ACCOUNT, with every part below it, as a workbook in the import format."),
    "paths": ("analysis", "The strongest influence paths from our team to a contact in ACCOUNT."),
    "coverage": ("analysis", "Coach coverage of ACCOUNT: the coaches, the deciders they reach within "
                             "--hops, per department line (that line's deciders reached by any coach; \"n/a\" "
                             "for a line without deciders) and per opportunity."),
    "gaps": ("analysis", "Relationship gaps of ACCOUNT (or of every account with --all), most severe first, each "
                         "with the people involved and a one-line explanation."),
    "influence": ("analysis", "Who really matters in ACCOUNT: formal position (the org chart and the level "
                              "of the title; the level alone where no reporting lines were entered), "
                              "informal influence (being consulted), their combined score; hidden "
                              "influencers (sought, formally low), brokers (in between on who listens to "
                              "whom) and equal scores (\"tied with\") flagged."),
    "outcome": ("analysis", "Where OPPORTUNITY stands: each member's stated and projected stance, for / "
                            "against / undecided, and the support index (-1..3) by the decision unit's "
                            "type: the decider's stance (authority), the deciders' majority with the swing "
                            "voters and who could move them (consensus), the decider and the unit's own "
                            "advisers (advisory)."),
    "next-moves": ("analysis", "The next relationships to build, meetings the visit cadence asks for, or "
                               "people to win over in ACCOUNT, each with its owner on our side and the "
                               "deals it serves, ranked by the gaps they close and the deals' support they "
                               "add (weighed by what each deal puts at stake: value, stage and how its unit "
                               "decides)."),
    "rollup": ("analysis", "Coverage and gaps of ACCOUNT rolled up its hierarchy: which parts of a group are covered, and each part's posture (entered, else suggested; `powermap posture`)."),
    "posture": ("strategy", 'Suggested posture of ACCOUNT and each part below it (or of every account with --all): maintain (维护, we hold most of the wallet), defend (防御, a rival is pushing or our share is sliding) or attack (进攻, low share, high potential), from our share of wallet, its change since a snapshot, deciders leaning to a rival and the tier.'),
    "competitors": ("strategy", 'The competitor lens (友商) of ACCOUNT: which rival each contact leans to (their `competitor`, unless they support us more than rivals), each rival\'s strongest people among and around the deciders (its "coaches"), and the deciders where a rival\'s hold is stronger than ours (our strongest path against their strongest tie).'),
    "divisions": ("strategy", "Our divisions (事业部) on ACCOUNT: which business units of ours (the team members' `business_unit`) touch which parts, departments and deciders, with their strongest relationship; overlaps (a decider two divisions court separately, with each one's strength and latest interaction subjects) and orphans (a deal's decider only another division knows; a deal's division is its owner's, the opportunity's `owner_id`)."),
    "snapshot": ("analysis", "Freeze the whole graph under --label, to compare later with `powermap diff`."),
    "diff": ("analysis", "What changed from snapshot OLD to NEW (another snapshot, or `current`, the default): "
                         "stances, people who moved, left or arrived, relationships, coverage and gaps."),
    "interactions": ("interactions", "The interactions (visits, meetings, calls, e-mails …) of ACCOUNT and the "
                                     "parts below it, newest first."),
    "strength": ("interactions", "Relationship strength in ACCOUNT: derived from the interaction history "
                                 "(half-life decay, type weights, two-way contact counting more) beside the "
                                 "hand-entered one, and which one the analyses use (POWERMAP_STRENGTH)."),
    "cadence": ("interactions", "Breaches of the visit cadence by account tier and peer level (对等交流): our "
                                "executives meeting the account's executives, and each decider below them "
                                "meeting their peers of ours (the account manager, solution or delivery "
                                "manager by default), as often as the policy says (who, ours, last date, "
                                "days overdue)."),
    "map": ("maps", "Write the map of ACCOUNT to a file: an .html that works offline, with no external reference, "
                    "to send by e-mail; or, to put in a slide, a .png, .svg or .pdf of the whole chart with its "
                    "legend and without the page's controls (search box, filter menus, links), sized to the "
                    "chart's shape and filled by it, rendered with headless Chromium (the org chart in two "
                    "passes: one measures its shape at --width)."),
    "migrate": ("stores", "Copy a whole graph, with its snapshots, from one store into another, empty one, then "
                          "read the target back and verify every table's count."),
    "plan": ("plans", 'Every plan action of ACCOUNT (and its sub-accounts) with its status, read from the interaction record, never typed in: done (an interaction of the planned type with the contact, by the owner, from start to due inclusive), overdue (due passed without one), open, or closed by hand (who and why are kept).'),
    "review": ("plans", "The quarterly account review (季度经营复盘) of ACCOUNT: one pack for the routine review meeting, summary first — tier, share of wallet and the entered posture beside the suggested one (`powermap posture`); coach coverage and gaps, and their change since the previous quarter's snapshot (labelled like 2026Q3); deciders whose stance changed; people who moved, left or arrived (`powermap diff`) and the key people among them (people_change findings); visit cadence breaches; the quarter's plan actions in numbers (done / overdue / open / closed / done but stance not moved, per owner); and next quarter's proposed plan (next moves, each with the `--accept` command that commits to it)."),
    "keys": ("keys", "Create, list and revoke API keys for the HTTP API (`powermap serve`)."),
    "serve": ("serve", "Run the HTTP API: REST resources, bulk import, exports, webhooks, /docs."),
}
