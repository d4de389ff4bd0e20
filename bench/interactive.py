"""Time the interactive path: coding, opening a transcript, twenty coders at once.

    # in-process (Django test client, no network), SQL statements counted:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/regie .venv/bin/python bench/interactive.py
    # ... and over HTTP against a gunicorn started here the way bootstrap.py does:
    .venv/bin/python bench/interactive.py --http
    # ... or against a server that runs already (a user who may create projects):
    .venv/bin/python bench/interactive.py --url http://127.0.0.1:8000 \\
        --username bench --password PW

The workload is ../shared/bench's: ``--docs`` transcripts (20) of ``--words`` words
(8,000) with ``--codings`` codings each (300) and 40 codes; plus a 20,000-word
transcript with 1,000 codings for the document page's second target. In-process
rows: creating one coding through the API and through the document page's htmx
answer (the frequencies check each leaves on a background thread, as in the web
server), opening a transcript (the document and all its codings with their text
through the API), the document page. HTTP rows: create one coding (one client),
open a transcript, ``--clients`` clients coding one project at once for
``--seconds`` (codings/s, median and p95 latency, then a check that no coding was
lost or duplicated), the first request to a freshly started server, and the server's
peak memory. Everything created is removed at the end (in-process: the project;
over HTTP: the project through the API).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regie_site.settings")

SYLLABLES = (
    "ver",
    "ge",
    "be",
    "lijk",
    "heid",
    "en",
    "de",
    "wer",
    "king",
    "stad",
    "sa",
    "men",
    "over",
    "leg",
    "ja",
    "vzw",
    "sub",
    "sidie",
    "jeugd",
    "werk",
    "club",
    "sport",
    "é",
    "ë",
)
SPEAKERS = ("Interviewer", "Stafmedewerker", "Coördinator")


# ---------------------------------------------------------------------------
# The workload (the same shape as ../shared/bench: turns of Dutch-like words)
# ---------------------------------------------------------------------------


def transcript(words: int, seed: int) -> str:
    """A transcript of speaker turns, ``words`` words in all."""
    rng = random.Random(seed)
    turns, left = [], words
    while left > 0:
        n = min(left, rng.randint(20, 120))
        left -= n
        body = " ".join(
            "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
            for _ in range(n)
        )
        turns.append(f"{SPEAKERS[len(turns) % len(SPEAKERS)]}: {body}.")
    return "\n\n".join(turns)


def spans(text: str, count: int, seed: int) -> list[tuple[int, int]]:
    """``count`` distinct spans of 3 to 40 words, starting and ending on a word."""
    rng = random.Random(seed)
    starts = [i for i in range(1, len(text)) if text[i - 1] == " "]
    found: set[tuple[int, int]] = set()
    while len(found) < count:
        start = rng.choice(starts)
        end = start
        for _ in range(rng.randint(3, 40)):
            nxt = text.find(" ", end + 1)
            if nxt < 0:
                break
            end = nxt
        if end > start:
            found.add((start, end))
    return sorted(found)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(samples: list[float]) -> str:
    return (
        f"median {statistics.median(samples):6.1f} ms, "
        f"p95 {percentile(samples, 0.95):6.1f} ms"
    )


# ---------------------------------------------------------------------------
# In-process
# ---------------------------------------------------------------------------


def in_process(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from knox.models import AuthToken

    from coding.services.codebook import code_create
    from coding.services.codings import CodingSpec, codings_create_bulk
    from coding.services.documents import document_create_from_text
    from coding.services.projects import project_create
    from regie_site import background

    settings.ALLOWED_HOSTS = ["*"]
    # As in gunicorn's workers (gunicorn.conf.py): the frequencies check a write
    # leaves runs on the background thread, after the answer.
    background.start()
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench-interactive")
    project = project_create(
        name="bench: interactive", owner=user, codebook="empty", blind_coding=True
    )
    try:
        codes = [code_create(project=project, name=f"code {i}") for i in range(40)]
        documents = []
        for d in range(args.docs):
            text = transcript(args.words, seed=d)
            document = document_create_from_text(
                project=project, title=f"Transcript {d}", text=text, user=user
            )
            taken = spans(text, args.codings, seed=100 + d)
            codings_create_bulk(
                specs=[
                    CodingSpec(document, codes[i % len(codes)], s, e)
                    for i, (s, e) in enumerate(taken)
                ],
                coder=user,
            )
            documents.append((document, set(taken)))
        big_text = transcript(20_000, seed=999)
        big = document_create_from_text(
            project=project, title="Long transcript", text=big_text, user=user
        )
        codings_create_bulk(
            specs=[
                CodingSpec(big, codes[i % len(codes)], s, e)
                for i, (s, e) in enumerate(spans(big_text, 1000, seed=998))
            ],
            coder=user,
        )
        _token_row, token = AuthToken.objects.create(user=user)
        api = Client(HTTP_AUTHORIZATION=f"Token {token}")
        page = Client(enforce_csrf_checks=True)
        page.force_login(user)
        page.get(f"/p/{project.pk}/d/{documents[1][0].pk}/")  # the CSRF cookie
        base = f"/api/v1/projects/{project.pk}"
        rng = random.Random(7)

        def measure(name: str, run: Callable[[], object], runs: int) -> None:
            run()  # warm: caches, the first connection
            samples, cpu, counts = [], [], []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as queries:
                    started, used = time.perf_counter(), time.process_time()
                    run()
                    cpu.append((time.process_time() - used) * 1000)
                    samples.append((time.perf_counter() - started) * 1000)
                counts.append(len(queries))
            print(
                f"{name:<44} {summary(samples)}, Python CPU "
                f"{statistics.median(cpu):5.1f} ms, SQL statements "
                f"{statistics.median(counts):g} (max {max(counts)})"
            )
            if args.sql:
                for query in queries.captured_queries:
                    print("    ", query["sql"][:160])

        def fresh_span(document, used: set) -> tuple[int, int]:
            text_len = document.length
            while True:
                start = rng.randrange(0, text_len - 200)
                end = start + rng.randint(10, 150)
                if (start, end) not in used:
                    used.add((start, end))
                    return start, end

        def api_create() -> None:
            document, used = documents[0]
            start, end = fresh_span(document, used)
            response = api.post(
                f"{base}/codings/",
                {
                    "document": document.pk,
                    "code": codes[3].pk,
                    "start": start,
                    "end": end,
                },
                content_type="application/json",
            )
            assert response.status_code == 201, response.content[:300]

        def htmx_create() -> None:
            document, used = documents[1]
            start, end = fresh_span(document, used)
            response = page.post(
                f"/p/{project.pk}/d/{document.pk}/apply/",
                # As the page sends it (htmx: a form, url-encoded, with the CSRF
                # token): the layers shown (one's own).
                urlencode(
                    {"code": codes[5].pk, "start": start, "end": end, "layers": user.pk}
                ),
                content_type="application/x-www-form-urlencoded",
                HTTP_HX_REQUEST="true",
                HTTP_X_CSRFTOKEN=page.cookies["csrftoken"].value,
            )
            assert response.status_code == 200, response.content[:300]

        def open_transcript() -> None:
            document, _used = documents[2]
            response = api.get(f"{base}/documents/{document.pk}/")
            assert response.status_code == 200
            url = f"{base}/codings/?document={document.pk}&page_size=1000"
            while url:
                response = api.get(url)
                assert response.status_code == 200, response.content[:300]
                url = response.json()["next"]

        def codings_list() -> None:
            document, _used = documents[2]
            response = api.get(f"{base}/codings/?document={document.pk}&page_size=1000")
            assert response.status_code == 200, response.content[:300]

        def document_page(document) -> Callable[[], None]:
            def run() -> None:
                response = page.get(f"/p/{project.pk}/d/{document.pk}/")
                assert response.status_code == 200

            return run

        print(f"database: {connection.vendor}; in-process (Django test client)")
        print(
            f"workload: {args.docs} transcripts x {args.words} words, "
            f"{args.codings} codings each, {len(codes)} codes"
        )
        measure("create a coding (API POST)", api_create, args.runs)
        measure("create a coding (document page, htmx)", htmx_create, args.runs)
        measure(
            "open a transcript (document + codings, API)", open_transcript, args.runs
        )
        measure("  of which: the codings list (1 page)", codings_list, args.runs)
        small = documents[3][0]
        measure(f"document page ({args.words} words)", document_page(small), args.runs)
        measure("document page (20,000 words, 1,000 codings)", document_page(big), 5)
        for document, label in ((small, f"{args.words} words"), (big, "20,000 words")):
            body = page.get(f"/p/{project.pk}/d/{document.pk}/").content
            ratio = len(body) / len(document.text.encode())
            print(
                f"document page HTML ({label}): {len(body) // 1024} KiB, {ratio:.1f}x the text"
            )
    finally:
        background.stop()
        project.delete()


# ---------------------------------------------------------------------------
# Over HTTP
# ---------------------------------------------------------------------------


class Http:
    """A tiny JSON client (one keep-alive connection per instance)."""

    def __init__(self, base: str, token: str | None = None):
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=60
        )
        self.token = token

    def call(self, method: str, path: str, body=None) -> tuple[int, object]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                raw = response.read()
                break
            except (ConnectionError, OSError):
                self.connection.close()
                if attempt:
                    raise
        payload = json.loads(raw) if raw[:1] in (b"{", b"[") else raw
        return response.status, payload


def start_server(port: int) -> subprocess.Popen:
    """gunicorn as ``bootstrap.py serve`` runs it; returned once it answers."""
    sys.path.insert(0, str(ROOT))
    import bootstrap

    command = bootstrap.web_command(f"127.0.0.1:{port}", dev=False)
    command[0] = sys.executable
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1"}
    env.setdefault("SECRET_KEY", "bench-interactive-not-secret-" + "x" * 30)
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(
                f"http://127.0.0.1:{port}/api/v1/auth/token/", timeout=1
            )
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.1)
    return server


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (MB)."""
    out = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)],
        capture_output=True,
        text=True,
    ).stdout
    return sum(int(x) for x in out.split()) / 1024


def over_http(args: argparse.Namespace) -> None:
    server = None
    base = args.url
    password = args.password
    username = args.username
    if base is None:
        import socket

        import django

        django.setup()
        from django.contrib.auth import get_user_model

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        username, password = "bench-interactive-http", "bench-" + str(random.random())
        User = get_user_model()
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.save()
        server = start_server(port)
        base = f"http://127.0.0.1:{port}"
    peak = [0.0]
    try:
        login = Http(base)
        started = time.perf_counter()
        status, body = login.call(
            "POST", "/api/v1/auth/token/", {"username": username, "password": password}
        )
        token_ms = (time.perf_counter() - started) * 1000
        assert status == 200, body
        client = Http(base, body["token"])
        started = time.perf_counter()
        status, project = client.call(
            "POST",
            "/api/v1/projects/",
            {"name": "bench: interactive http", "codebook": "empty"},
        )
        first = (time.perf_counter() - started) * 1000
        assert status == 201, project
        if server is not None:
            print(
                f"first requests after start: token {token_ms:.0f} ms (a password "
                f"hash), then create a project {first:.0f} ms"
            )
            peak[0] = tree_rss_mb(server.pid)
        http_rows(args, base, body["token"], project["id"], server, peak)
        if server is not None:  # the API has no way to remove a project
            from coding.models import Project

            Project.objects.filter(pk=project["id"]).delete()
        else:
            print(f"(project {project['id']} left on the server: remove it there)")
    finally:
        if server is not None:
            print(f"server memory (gunicorn tree), peak seen: {peak[0]:.0f} MB")
            os.killpg(server.pid, 15)
            server.wait(timeout=30)


def http_rows(args, base: str, token: str, project_id: int, server, peak) -> None:
    client = Http(base, token)
    path = f"/api/v1/projects/{project_id}"
    codes = []
    for i in range(40):
        status, code = client.call("POST", f"{path}/codes/", {"name": f"code {i}"})
        assert status == 201, code
        codes.append(code["id"])
    documents = []
    for d in range(args.docs):
        text = transcript(args.words, seed=d)
        status, document = client.call(
            "POST", f"{path}/documents/", {"title": f"Transcript {d}", "text": text}
        )
        assert status == 201, document
        taken = spans(text, args.codings, seed=100 + d)
        items = [
            {"document": document["id"], "code": codes[i % 40], "start": s, "end": e}
            for i, (s, e) in enumerate(taken)
        ]
        status, created = client.call("POST", f"{path}/codings/", items)
        assert status == 201, created
        documents.append((document["id"], len(text), set(taken)))
    rng = random.Random(11)

    def new_item(index: int) -> dict:
        document_id, length, used = documents[index % len(documents)]
        while True:
            start = rng.randrange(0, length - 200)
            end = start + rng.randint(10, 150)
            if (start, end) not in used:
                used.add((start, end))
                return {
                    "document": document_id,
                    "code": codes[index % 40],
                    "start": start,
                    "end": end,
                    "memo": "bench",
                }

    samples = []
    for i in range(args.runs * 3):
        item = new_item(i)
        started = time.perf_counter()
        status, body = client.call("POST", f"{path}/codings/", item)
        samples.append((time.perf_counter() - started) * 1000)
        assert status == 201, body
    print(f"{'HTTP: create a coding (one client)':<44} {summary(samples)}")
    samples = []
    for i in range(args.runs * 2):
        document_id = documents[i % len(documents)][0]
        started = time.perf_counter()
        status, _ = client.call("GET", f"{path}/documents/{document_id}/")
        url = f"{path}/codings/?document={document_id}&page_size=1000"
        while url:
            status, page = client.call("GET", url)
            assert status == 200, page
            url = page["next"] and page["next"].split("//", 1)[1].split("/", 1)[1]
            url = url and "/" + url
        samples.append((time.perf_counter() - started) * 1000)
    print(f"{'HTTP: open a transcript':<44} {summary(samples)}")
    if server is not None:
        peak[0] = max(peak[0], tree_rss_mb(server.pid))
    if args.clients:
        concurrent(args, base, token, path, new_item, server, peak)


def concurrent(args, base, token, path, new_item, server, peak) -> None:
    """``--clients`` threads coding for ``--seconds``; then every acknowledged
    coding must be listed once, and nothing else new."""
    lock = threading.Lock()
    counter = iter(range(10**9))
    acknowledged: list[tuple] = []
    latencies: list[float] = []
    failures: list[str] = []
    stop_at = time.monotonic() + args.seconds

    def worker() -> None:
        client = Http(base, token)
        while time.monotonic() < stop_at:
            with lock:
                item = new_item(next(counter))
            started = time.perf_counter()
            try:
                status, body = client.call("POST", f"{path}/codings/", item)
            except OSError as error:
                failures.append(str(error))
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if status == 201:
                    latencies.append(elapsed)
                    acknowledged.append(
                        (
                            body["id"],
                            item["document"],
                            item["code"],
                            item["start"],
                            item["end"],
                        )
                    )
                else:
                    failures.append(f"{status}: {str(body)[:100]}")

    threads = [threading.Thread(target=worker) for _ in range(args.clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        if server is not None:
            peak[0] = max(peak[0], tree_rss_mb(server.pid))
    elapsed = time.perf_counter() - started
    listed = Http(base, token)
    rows = []
    url = f"{path}/codings/?page_size=1000"
    while url:
        status, page = listed.call("GET", url)
        rows += page["results"]
        url = page["next"] and "/" + page["next"].split("//", 1)[1].split("/", 1)[1]
    by_id = {}
    for row in rows:
        by_id.setdefault(row["id"], []).append(row)
    lost = [a for a in acknowledged if a[0] not in by_id]
    duplicated = [i for i, r in by_id.items() if len(r) > 1]
    keys = [(r["document"], r["code"], r["start"], r["end"]) for r in rows]
    same_span = len(keys) - len(set(keys))
    print(
        f"HTTP: {args.clients} clients for {args.seconds:.0f} s: "
        f"{len(latencies) / elapsed:.0f} codings/s, {summary(latencies)}, "
        f"{len(failures)} failed; lost {len(lost)}, duplicated {len(duplicated)}, "
        f"same span twice {same_span}"
    )
    if failures:
        print("   first failure:", failures[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--codings", type=int, default=300)
    parser.add_argument("--runs", type=int, default=30, help="samples per row")
    parser.add_argument("--sql", action="store_true", help="print the statements")
    parser.add_argument(
        "--http", action="store_true", help="also over HTTP (gunicorn started here)"
    )
    parser.add_argument("--url", help="over HTTP against this running server")
    parser.add_argument("--username")
    parser.add_argument("--password", default=os.environ.get("REGIE_PASSWORD"))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--no-in-process", action="store_true", help="only the HTTP rows"
    )
    args = parser.parse_args()
    if not args.no_in_process:
        in_process(args)
    if args.http or args.url:
        over_http(args)


if __name__ == "__main__":
    main()
