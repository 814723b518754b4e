"""Drives a running Media Lab with clients/python/media_lab_client.py, the way a daggr node would:
upload, submit an enhance job, wait with progress, download, read provenance, reproduce; plus the
errors a caller sees. Prints one JSON object for the mocha test to check.

usage: python3 enhance_e2e.py <api url> <token> <image path> <output folder>
"""

import hashlib
import json
import sys

from media_lab_client import MediaLab, MediaLabError


def sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def main():
    api, token, image, folder = sys.argv[1:5]
    lab = MediaLab(api, token=token)
    report = {}

    source = lab.upload(image)
    report["upload"] = {"id": source["id"], "sha256": source["sha256"], "again": lab.upload(image)["id"]}

    seen = []
    queued = lab.submit("enhance", inputs=[source["id"]], params={"qualityPreset": "fast", "scale": 2})
    done = lab.wait(queued["id"], on_progress=lambda job: seen.append([job["status"], job["progress"]]), poll_seconds=0.05)
    [path] = lab.download_outputs(done, folder)
    output = [a for a in done["outputs"] if a["role"] == "output"][0]
    report["job"] = {"id": done["id"], "status": done["status"], "progress": seen, "output": output["id"], "sha256": output["sha256"], "stale": output["stale"]}
    report["download"] = {"path": path, "sha256": sha256(path)}

    graph = lab.provenance(output["id"])
    report["provenance"] = {"steps": [s["jobId"] for s in graph["steps"]], "artifacts": [a["id"] for a in graph["artifacts"]]}

    again = lab.wait(lab.reproduce(output["id"])["id"])
    report["reproduced"] = [a["sha256"] for a in again["outputs"] if a["role"] == "output"][0]

    errors = {}
    try:
        lab.submit("enhance", inputs=[source["id"]], params={"scale": 5})
    except MediaLabError as error:
        errors["invalid"] = {"status": error.status, "code": error.code, "fields": [e["field"] for e in error.errors], "advice": bool(error.advice)}
    try:
        lab.refresh(output["id"])
    except MediaLabError as error:
        errors["fresh"] = {"status": error.status, "code": error.code}
    try:
        MediaLab(api).job(done["id"])
    except MediaLabError as error:
        errors["anonymous"] = {"status": error.status, "code": error.code}
    try:
        lab.job("no-such-job")
    except MediaLabError as error:
        errors["unknown"] = {"status": error.status, "code": error.code}
    report["errors"] = errors
    print(json.dumps(report))


if __name__ == "__main__":
    main()
