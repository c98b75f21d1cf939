"""Workshop mode: teams play suppliers in one shared market, round by round, in the browser.

``levers`` maps a team's decisions onto supplier parameters and strategies, ``game`` plays
rounds deterministically (replay, rollback, what-if), ``store`` keeps everything in SQLite,
``auth`` the codes and seat tokens, ``server`` the pages and API, ``bots`` the computer
players, ``debrief`` the scores and exports. Guide: docs/WORKSHOP.md.
"""
