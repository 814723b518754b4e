"""A small Media Lab client for Python hosts, standard library only (Python 3.8+).

    from media_lab_client import MediaLab

    lab = MediaLab("http://localhost:3000/api/media-lab", token="...")
    source = lab.upload("portrait.png")
    job = lab.submit("enhance", inputs=[source["id"]], params={"qualityPreset": "fast", "scale": 2})
    done = lab.wait(job["id"], on_progress=lambda job: print(job["status"], job["progress"], job["stage"]))
    paths = lab.download_outputs(done, "out/")

Every call speaks the HTTP API the web components use (POST /uploads, POST /jobs, GET /jobs/:id,
GET /artifacts/:id/content, GET /artifacts/:id/provenance, POST /artifacts/:id/refresh|reproduce).
Errors come back as MediaLabError with the server's stable `code`, `detail`, `advice` and, for
invalid fields, `errors`.
"""

import json
import mimetypes
import os
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

__all__ = ["MediaLab", "MediaLabError", "JobFailed"]

FINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


class MediaLabError(Exception):
    """A non-2xx answer (problem+json): status, code (e.g. VALIDATION_FAILED, NOT_FOUND), detail, advice, errors."""

    def __init__(self, status, problem):
        self.status = status
        self.problem = problem or {}
        self.code = self.problem.get("code")
        self.detail = self.problem.get("detail") or self.problem.get("title") or "HTTP %d" % status
        self.advice = self.problem.get("advice")
        self.errors = self.problem.get("errors") or []
        super().__init__("%s %s: %s" % (status, self.code or "", self.detail))


class JobFailed(Exception):
    """wait() saw the job end FAILED or CANCELLED; `job` is its last state (errorCode, errorMessage)."""

    def __init__(self, job):
        self.job = job
        self.code = job.get("errorCode")
        super().__init__("job %s %s: %s %s" % (job.get("id"), job.get("status"), job.get("errorCode") or "", job.get("errorMessage") or ""))


class MediaLab:
    """Media Lab at `base_url` (where the host mounted it, e.g. http://host/api/media-lab).

    token: sent as `Authorization: Bearer <token>`; headers: any others (a session cookie).
    """

    def __init__(self, base_url, token=None, headers=None, timeout=60.0):
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        if token:
            self.headers["Authorization"] = "Bearer %s" % token
        self.timeout = timeout
        parsed = urllib.parse.urlsplit(self.base_url)
        self._origin = "%s://%s" % (parsed.scheme, parsed.netloc)

    # --- HTTP --------------------------------------------------------------------------------

    def _url(self, path):
        if path.startswith("http://") or path.startswith("https://"):
            return path
        # Artifact URLs in answers are absolute paths (/api/media-lab/artifacts/...).
        if path.startswith(urllib.parse.urlsplit(self.base_url).path + "/"):
            return self._origin + path
        return self.base_url + path

    def _open(self, method, path, body=None, headers=None):
        request = urllib.request.Request(self._url(path), data=body, method=method, headers={**self.headers, **(headers or {})})
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")
            try:
                problem = json.loads(text)
            except ValueError:
                problem = {"detail": text or error.reason}
            raise MediaLabError(error.code, problem) from None

    def request(self, method, path, json_body=None, headers=None):
        """One JSON call; returns the parsed answer."""
        body = None
        extra = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            extra["Content-Type"] = "application/json"
        with self._open(method, path, body, extra) as response:
            text = response.read().decode("utf-8")
        return json.loads(text) if text else None

    # --- uploads and jobs --------------------------------------------------------------------

    def upload(self, file, filename=None):
        """Uploads a file (a path or bytes); returns the artifact (the same one again for the same bytes)."""
        if isinstance(file, (bytes, bytearray)):
            data, name = bytes(file), filename or "upload.bin"
        else:
            with open(file, "rb") as handle:
                data = handle.read()
            name = filename or os.path.basename(file)
        boundary = "media-lab-%s" % uuid.uuid4().hex
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        safe_name = name.replace('"', "_")
        head = '--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\nContent-Type: %s\r\n\r\n' % (boundary, safe_name, mime)
        body = head.encode("utf-8") + data + ("\r\n--%s--\r\n" % boundary).encode("ascii")
        with self._open("POST", "/uploads", body, {"Content-Type": "multipart/form-data; boundary=%s" % boundary}) as response:
            return json.loads(response.read().decode("utf-8"))

    def submit(self, workflow, params=None, inputs=None, preset=None, priority=None, max_attempts=None, idempotency_key=None):
        """Submits a job (202); returns the queued job. preset: a name, or {"name", "version"}."""
        body = {"workflow": workflow, "params": params or {}, "inputs": list(inputs or [])}
        if preset is not None:
            body["preset"] = {"name": preset} if isinstance(preset, str) else preset
        if priority is not None:
            body["priority"] = priority
        if max_attempts is not None:
            body["maxAttempts"] = max_attempts
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self.request("POST", "/jobs", body, headers)["job"]

    def job(self, job_id):
        """The job with its inputs and outputs (artifacts, each with `stale`)."""
        return self.request("GET", "/jobs/%s" % urllib.parse.quote(job_id, safe=""))

    def wait(self, job_id, on_progress=None, poll_seconds=0.5, timeout=None):
        """Polls the job until it ends; on_progress(job) is called whenever status, progress or stage
        changes. Returns the finished job; raises JobFailed when it ends FAILED or CANCELLED and
        TimeoutError after `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        last = None
        while True:
            job = self.job(job_id)
            seen = (job["status"], job["progress"], job.get("stage"))
            if seen != last:
                last = seen
                if on_progress:
                    on_progress(job)
            if job["status"] in FINAL:
                if job["status"] != "SUCCEEDED":
                    raise JobFailed(job)
                return job
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("job %s is still %s after %s s" % (job_id, job["status"], timeout))
            time.sleep(poll_seconds)

    def cancel(self, job_id):
        return self.request("POST", "/jobs/%s/cancel" % urllib.parse.quote(job_id, safe=""))

    def retry(self, job_id):
        return self.request("POST", "/jobs/%s/retry" % urllib.parse.quote(job_id, safe=""))

    # --- artifacts ---------------------------------------------------------------------------

    def artifact(self, artifact_id):
        return self.request("GET", "/artifacts/%s" % urllib.parse.quote(artifact_id, safe=""))

    def download(self, artifact, destination):
        """Writes an artifact's bytes (an artifact dict or id) to `destination` (a file path, or a
        folder: then named <id><extension>); returns the path."""
        if isinstance(artifact, str):
            artifact = self.artifact(artifact)
        if os.path.isdir(destination) or destination.endswith(os.sep):
            os.makedirs(destination, exist_ok=True)
            extension = mimetypes.guess_extension(artifact.get("mime", "")) or ""
            destination = os.path.join(destination, artifact["id"] + extension)
        partial = destination + ".part"
        with self._open("GET", artifact["contentUrl"]) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
        os.replace(partial, destination)
        return destination

    def download_outputs(self, job, folder, roles=("output",)):
        """Downloads a finished job's outputs (by role) into `folder`; returns their paths in order."""
        return [self.download(a, folder + os.sep) for a in job["outputs"] if a["role"] in roles]

    def run(self, workflow, params=None, inputs=None, preset=None, folder=None, on_progress=None, timeout=None):
        """submit + wait (+ download_outputs into `folder`): returns the finished job, or the paths."""
        queued = self.submit(workflow, params=params, inputs=inputs, preset=preset)
        done = self.wait(queued["id"], on_progress=on_progress, timeout=timeout)
        return self.download_outputs(done, folder) if folder else done

    # --- lineage -----------------------------------------------------------------------------

    def provenance(self, artifact_id):
        """The graph back to the uploads: steps with preset version, models, seed, params, timings."""
        return self.request("GET", "/artifacts/%s/provenance" % urllib.parse.quote(artifact_id, safe=""))

    def stale_artifacts(self, limit=50, cursor=None):
        """A page of stale artifacts: {"items", "nextCursor"}."""
        query = {"stale": "true", "limit": str(limit)}
        if cursor:
            query["cursor"] = cursor
        return self.request("GET", "/artifacts?" + urllib.parse.urlencode(query))

    def refresh(self, artifact_id):
        """Makes a stale artifact again with the current preset and model; returns the new job."""
        return self.request("POST", "/artifacts/%s/refresh" % urllib.parse.quote(artifact_id, safe=""))["job"]

    def reproduce(self, artifact_id):
        """Runs the recorded job again as recorded; returns the new job."""
        return self.request("POST", "/artifacts/%s/reproduce" % urllib.parse.quote(artifact_id, safe=""))["job"]
