"""pinnkit data download against a local HTTP server: verified, resumable, atomic."""
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pinnkit.cli import main
from pinnkit.data.download import download
from pinnkit.data.manifest import MANIFEST, parse_manifest

CONTENT = bytes(range(256)) * 4000  # ~1 MB


@pytest.fixture
def server():
    """Serves CONTENT at /file with Range support; records the Range headers it received."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Range"))
            start = int(self.headers["Range"].split("=")[1].rstrip("-")) if self.headers.get("Range") else 0
            body = CONTENT[start:]
            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/file", seen
    httpd.shutdown()
    httpd.server_close()


def manifest(url, md5=hashlib.md5(CONTENT).hexdigest()):
    return parse_manifest(f"# test\nsample.hdf5,{url},{md5},1D/Test/\n")


def test_download_resumes_and_verifies(server, tmp_path):
    url, seen = server
    part = tmp_path / ".sample.hdf5.part"
    part.write_bytes(CONTENT[:300_000])  # an interrupted earlier download
    path = download("sample.hdf5", tmp_path, manifest(url), chunk=65536)
    assert path.read_bytes() == CONTENT and not part.exists()
    assert seen == ["bytes=300000-"]
    assert download("sample.hdf5", tmp_path, manifest(url)) == path and len(seen) == 1  # verified, not fetched


def test_md5_mismatch_leaves_no_file_under_the_final_name(server, tmp_path):
    url, _ = server
    with pytest.raises(ValueError, match="MD5 mismatch for sample.hdf5: got .* the manifest says 0{32}"):
        download("sample.hdf5", tmp_path, manifest(url, "0" * 32))
    assert list(tmp_path.iterdir()) == []


def test_cli_download_and_errors(server, tmp_path, capsys):
    url, _ = server
    csv = tmp_path / "manifest.csv"
    csv.write_text(f"sample.hdf5,{url},{hashlib.md5(CONTENT).hexdigest()}\n")
    assert main(["data", "download", "sample.hdf5", "--dest", str(tmp_path / "d"), "--manifest", str(csv), "-q"]) == 0
    assert (tmp_path / "d" / "sample.hdf5").read_bytes() == CONTENT
    assert main(["data", "download", "1D_Burgers_Sols_Nu0.1", "--dest", str(tmp_path)]) == 2
    assert "Did you mean '1D_Burgers_Sols_Nu0.1.hdf5'" in capsys.readouterr().err
    assert MANIFEST["1D_Advection_Sols_beta0.1.hdf5"].md5 == "b4be2fc3383f737c76033073e6d2ccfb"
    with pytest.raises(ValueError, match="manifest line 1: expected 'name,url,md5"):
        parse_manifest("a,b,c\n")
