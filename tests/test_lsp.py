"""Editor completion, proven: the real yaml-language-server (what VS Code, Neovim, Helix,
Zed and JetBrains' YAML plugins run) over LSP stdio, on a story made by `init` and
copied to another folder, as a teammate who cloned the project would open it.

The server is installed by .ci/install-language-server (npm); without npm the test is
skipped and says so.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

WAIT_SECONDS = 60  # a generous ceiling for a slow shared machine, never a measurement


def language_server() -> list[str]:
    """The command that starts yaml-language-server over stdio, or skip saying why."""
    local = ROOT / ".ci" / "node" / "node_modules" / ".bin" / "yaml-language-server"
    found = os.environ.get("STORYBUILD_YAML_LANGUAGE_SERVER") or (str(local) if local.exists() else None)
    found = found or shutil.which("yaml-language-server")
    if found:
        return [found, "--stdio"]
    if shutil.which("npm") is None:
        pytest.skip("npm is missing, so yaml-language-server cannot be installed: install Node.js and npm, "
                    "then run .ci/install-language-server")
    pytest.skip("yaml-language-server is not installed: run .ci/install-language-server (it uses npm)")


class LanguageServer:
    """A minimal LSP client: JSON-RPC with Content-Length frames over the server's
    stdin/stdout. Answers the server's own requests (configuration, registrations)."""

    SETTINGS = {"yaml": {"validate": True, "completion": True, "hover": True, "schemaStore": {"enable": False}}}

    def __init__(self, command: list[str], root: Path):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, cwd=root)
        self.inbox: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                    "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                                    "capabilities": {"workspace": {"configuration": True},
                                                     "textDocument": {"completion": {"completionItem": {}},
                                                                      "publishDiagnostics": {}}}})
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": self.SETTINGS})

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            headers = {}
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            if not headers:
                return
            self.inbox.put(json.loads(stream.read(int(headers["content-length"]))))

    def _send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict):
        self.next_id += 1
        self._send({"id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)["result"]

    def wait(self, wanted) -> dict:
        """The next message `wanted` accepts, answering server requests on the way."""
        while True:
            message = self.inbox.get(timeout=WAIT_SECONDS)
            if "method" in message and "id" in message:  # a request from the server
                items = message.get("params", {}).get("items", [])
                result = [self.SETTINGS.get(i.get("section", ""), None) for i in items] \
                    if message["method"] == "workspace/configuration" else None
                self._send({"id": message["id"], "result": result})
            elif wanted(message):
                return message

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def test_a_cloned_story_gets_validation_and_completion_from_the_real_language_server(tmp_path):
    command = language_server()
    run_cli("init", str(tmp_path / "mine" / "pets"), "--theme", "a cat and a dog playing", "--scenes", "2",
            check=True)
    clone = tmp_path / "teammate" / "projects" / "pets"
    shutil.copytree(tmp_path / "mine" / "pets", clone)
    shutil.rmtree(tmp_path / "mine")  # nothing may point back at where it was made
    lines = (clone / "story.yaml").read_text().splitlines()
    first_scene = next(i for i, line in enumerate(lines) if line.startswith("  - id: "))
    lines.insert(first_scene + 1, "    narraton: a typo of narration")
    text = "\n".join(lines) + "\n"
    uri = (clone / "story.yaml").as_uri()

    server = LanguageServer(command, clone)
    try:
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml",
                                                                "version": 1, "text": text}})
        diagnostics = server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                  and m["params"]["uri"] == uri and m["params"]["diagnostics"])
        found = [(d["range"]["start"]["line"], d["message"]) for d in diagnostics["params"]["diagnostics"]]
        assert (first_scene + 1, "Property narraton is not allowed.") in found

        # Completion on a new line inside the first scene offers the scene's fields.
        lines.insert(first_scene + 1, "    ")
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                 "contentChanges": [{"text": "\n".join(lines) + "\n"}]})
        answer = server.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                           "position": {"line": first_scene + 1, "character": 4}})
        labels = {item["label"] for item in (answer["items"] if isinstance(answer, dict) else answer)}
        assert {"duration", "take", "seed", "speaker", "transition"} <= labels
        assert "style" not in labels  # a story's field, not a scene's
    finally:
        server.close()
