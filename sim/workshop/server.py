"""The workshop's web server (Starlette on uvicorn, one process): pages and a JSON API.

Who may do what is checked on every request, here and only here:

- a team is the holder of a seat token (cookie ``kw_seat``, set when it claims a seat through
  its seat link or the room code); it reads and changes only its own decisions and book: no
  request names a team, the team is always the token's;
- the facilitator is the holder of the facilitator code (cookie ``kw_fac``, or the header
  ``X-Facilitator``); only it closes rounds, sets events, bots and countdowns, rolls back,
  runs what-ifs and sees the debrief.

Pages are plain HTML and JavaScript from ``sim/workshop/pages`` with no asset from the
internet; words come from ``sim.workshop.i18n`` (English and Chinese). Uvicorn stops on Ctrl-C
and SIGTERM; the server starts no other process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sim.scenario import InputError
from sim.workshop.auth import new_code, same
from sim.workshop.i18n import LANGS, problem_text, words
from sim.workshop.room import Room

PAGES = Path(__file__).parent / "pages"
COOKIE = {"httponly": True, "samesite": "strict", "max_age": 7 * 24 * 3600}
MAX_BODY = 64_000


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("kw_lang") or "en"
    return lang if lang in LANGS else "en"


def _page(request: Request, name: str, **extra: Any) -> HTMLResponse:
    lang = _lang(request)
    html = (PAGES / "base.html").read_text(encoding="utf-8")
    body = (PAGES / f"{name}.html").read_text(encoding="utf-8")
    data = json.dumps({"lang": lang, "T": words(lang), **extra}).replace("</", "<\\/")
    resp = HTMLResponse(html.replace("{{LANG}}", lang).replace("{{BODY}}", body)
                        .replace("{{DATA}}", data))
    resp.set_cookie("kw_lang", lang, **COOKIE)
    return resp


def _error(e: InputError | str, status: int = 400, lang: str = "en") -> JSONResponse:
    """A refusal; an InputError's problems in the asker's language, one per line."""
    problems = e.problems if isinstance(e, InputError) else [("", "", e)]
    text = "\n".join(problem_text(key, msg, lang) for _, key, msg in problems)
    return JSONResponse({"error": text}, status_code=status)


async def _body(request: Request) -> Any:
    size = request.headers.get("content-length", "0")
    if not size.isdigit() or int(size) > MAX_BODY:
        raise InputError([("request", "", "too large")])
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise InputError([("request", "", "too large")])
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        raise InputError([("request", "", "not JSON")]) from None


def build_app(folder: Path) -> Starlette:
    room = Room(folder)
    room.verify()  # replay the log: a restarted server resumes the same game, or says why not

    def team_of(request: Request) -> str | None:
        token = request.cookies.get("kw_seat")
        return room.store.team_of_token(token) if token else None

    def is_facilitator(request: Request) -> bool:
        code = request.cookies.get("kw_fac") or request.headers.get("x-facilitator")
        return same(code, room.store.meta("facilitator_hash"))

    def team_api(fn):
        async def endpoint(request: Request) -> Response:
            team = team_of(request)
            if team is None:
                return _error("not a team of this workshop (claim a seat first)", 401,
                              _lang(request))
            try:
                return JSONResponse(await fn(request, team))
            except InputError as e:
                return _error(e, lang=_lang(request))
        return endpoint

    def fac_api(fn):
        async def endpoint(request: Request) -> Response:
            if not is_facilitator(request):
                return _error("facilitator only", 403)
            try:
                return JSONResponse(await fn(request))
            except InputError as e:
                return _error(e, lang=_lang(request))
        return endpoint

    # ------------------------------------------------------------ joining
    async def home(request: Request) -> Response:
        return _page(request, "join")

    async def seat(request: Request) -> Response:
        token = request.cookies.get("kw_seat") or new_code()
        team = room.store.claim_seat(request.path_params["code"], token)
        if team is None:
            return _page(request, "refused")
        resp = RedirectResponse("/team", status_code=303)
        resp.set_cookie("kw_seat", token, **COOKIE)
        return resp

    async def room_seats(request: Request) -> Response:
        try:
            data = await _body(request) if request.method == "POST" else {}
        except InputError as e:
            return _error(e, lang=_lang(request))
        if not isinstance(data, dict) or data.get("room") != room.store.meta("room_code"):
            return _error("unknown room code", 403, _lang(request))
        return JSONResponse({"seats": [{"team": t["id"], "link": f"/seat/{t['seat_code']}"}
                                       for t in room.store.teams() if not t["claimed"]]})

    async def facilitator_login(request: Request) -> Response:
        code = request.path_params["code"]
        if not same(code, room.store.meta("facilitator_hash")):
            return _page(request, "refused")
        resp = RedirectResponse("/facilitator", status_code=303)
        resp.set_cookie("kw_fac", code, **COOKIE)
        return resp

    async def team_page(request: Request) -> Response:
        if team_of(request) is None:
            return RedirectResponse("/", status_code=303)
        return _page(request, "team")

    async def fac_page(request: Request) -> Response:
        if not is_facilitator(request):
            return _page(request, "refused")
        return _page(request, request.url.path.strip("/"))

    # ---------------------------------------------------------- team API
    async def t_view(request, team):
        return await _threaded(room.team_view, team)

    async def t_submit(request, team):
        data = await _body(request)
        return {"ok": True, "choice": await _threaded(room.submit, team, data)}

    # --------------------------------------------------- facilitator API
    async def f_view(request):
        view = room.facilitator_view()
        base = str(request.base_url).rstrip("/")
        view["join_url"] = f"{base}/"
        view["seat_links"] = {t["id"]: f"{base}/seat/{t['seat_code']}" for t in view["teams"]}
        return view

    async def f_action(request):
        data = await _body(request)
        if not isinstance(data, dict):
            raise InputError([("request", "", "expected an object")])
        action = request.path_params["action"]
        actions = {
            "close": lambda: room.close_round(),
            "event": lambda: room.add_event(data.get("event"), data.get("round")),
            "rollback": lambda: room.rollback(data.get("round")),
            "bot": lambda: room.set_bot(data.get("team"), data.get("preset")),
            "countdown": lambda: room.set_countdown(data.get("minutes")),
            "practice": lambda: room.start_practice(),
            "reset": lambda: room.end_practice(),
            "whatif": lambda: room.whatif(data.get("team"), data.get("from_round"),
                                          data.get("alternative")),
        }
        if action not in actions:
            raise InputError([("request", "action", f"one of {', '.join(actions)}")])
        return {"ok": True, "result": await _threaded(actions[action])}

    async def f_debrief(request):
        bench = request.query_params.get("benchmarks") == "1"
        return await _threaded(room.debrief, bench)

    async def qr(request: Request) -> Response:
        if not is_facilitator(request):
            return _error("facilitator only", 403)
        return Response(qr_svg(f"{str(request.base_url).rstrip('/')}/"),
                        media_type="image/svg+xml")

    routes = [
        Route("/", home), Route("/seat/{code}", seat),
        Route("/api/room", room_seats, methods=["POST"]),
        Route("/f/{code}", facilitator_login), Route("/team", team_page),
        Route("/facilitator", fac_page), Route("/debrief", fac_page),
        Route("/api/team", team_api(t_view)),
        Route("/api/team/decision", team_api(t_submit), methods=["POST"]),
        Route("/api/fac", fac_api(f_view)),
        Route("/api/fac/debrief", fac_api(f_debrief)),
        Route("/api/fac/qr.svg", qr),
        Route("/api/fac/{action}", fac_api(f_action), methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.room = room
    return app


async def _threaded(fn, *args):
    """Run a blocking room operation off the event loop (SQLite, the model)."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args)


def qr_svg(text: str) -> str:
    """An SVG QR code of ``text``, drawn locally (the ``qrcode`` package)."""
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return img.to_string(encoding="unicode")


def run(folder: Path, host: str, port: int) -> int:
    """Serve until Ctrl-C or SIGTERM (uvicorn's handlers end the one process)."""
    import socket

    import uvicorn

    try:  # a port in use is bad input, said in one line (uvicorn would log and exit 3)
        with socket.create_server((host, port)):
            pass
    except OSError as e:
        raise InputError([(str(folder), "--port", f"cannot listen on {host}:{port}: "
                                                  f"{e.strerror}")]) from None
    app = build_app(folder)
    print(f"kamsim workshop: serving {folder} on http://{host}:{port}/ "
          f"(facilitator: http://{host}:{port}/f/<facilitator code>)", flush=True)
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).run()
    return 0
