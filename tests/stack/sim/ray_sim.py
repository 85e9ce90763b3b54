#!/usr/bin/env python3
"""Ray 2.x dashboard simulator (head :8265 API plus node metrics) on one port.

python3 stdlib only.  Shapes follow tests/fixtures/ray/ (see its README.md):
compact JSON like aiohttp's json.dumps, the ``{result, msg, data}`` envelope
where Ray uses rest_response, camelCase where Ray camelCases (cluster_status,
/nodes) and snake_case where it does not (state API, jobs, serve), startTimeMs /
endTimeMs as STRINGS in /nodes, DEAD nodes without host stats, job times in ms,
driver_info.pid as a string.

Routes
  GET    /api/version
  GET    /api/cluster_status            (?format=1: the human-readable text)
  GET    /nodes?view=summary            (also view=hostNameList)
  GET    /api/v0/nodes  /api/v0/actors  (?detail=true, limit, filter_keys /
                                          filter_predicates / filter_values)
  GET    /api/v0/tasks/summarize
  GET    /api/jobs/                     bare JSON array (trailing slash needed,
                                          /api/jobs is a 404 like aiohttp)
  POST   /api/jobs/                     submit (PENDING 3 s, RUNNING 20 s, SUCCEEDED)
  GET    /api/jobs/{id}                 by submission id or job id
  GET    /api/jobs/{id}/logs
  POST   /api/jobs/{id}/stop
  DELETE /api/jobs/{id}
  GET    /api/serve/applications/
  GET    /api/gcs_healthz, /api/local_raylet_healthz   text "success"
  GET    /metrics                       Prometheus text exposition for every alive
                                          node (``?node=10.0.0.11`` for one node);
                                          gauges move a little on every scrape,
                                          counters grow with time.

Seeded cluster (fixed; --seed only sets the phase of the per-scrape jitter):
head 10.0.0.10 (16 CPU, no GPU, Serve controller + fraud_app replicas), CPU worker
10.0.0.11 (32 CPU, busy with a batch-scoring job), GPU worker 10.0.0.13
(48 CPU, 4x A10G, running a LoRA fine-tune), and worker 10.0.0.12 DEAD
(missed heartbeats).  Jobs: SUCCEEDED, RUNNING, FAILED, STOPPED, PENDING
submissions plus a DRIVER job; the LoRA jobs carry the submission ids that the
MLflow simulator's llm-summarizer-finetune runs tag as ``ray.job_id``.  Serve:
fraud_app RUNNING (model fraud-detector@champion) and summarizer_app DEPLOYING
(its GPU replica cannot be scheduled).  Times are on the same 2026-11 timeline
as the MLflow captures; "now" fields use the real clock.

The WebSocket log tail /api/jobs/{id}/logs/tail is ray_tail.py (its modes:
tail, bigtail, notail; grow answers it 404 as an older dashboard).

Request modes (a base URL ending in /__mode/NAME, see simcommon): flap (the
panel's refresh paths answer, then 503 twice, then answer again), grow (a job's
log gains twelve lines at each request), loopback (the head's address is
127.0.0.1, the stack's [node head]).  --big-cluster NODES,ACTORS grows the
cluster for the bench.

Leaves out: package upload,
the rest of the state API (tasks list, objects, placement groups, workers,
jobs), /api/v0/tasks/summarize?summary_by=lineage, grafana/prometheus proxy
routes, the dashboard UI, per-node agent ports (:52365) and the autoscaler's
own metrics port.  Ray versions differ in details (see the fixture README); this
answers like a Ray 2.30-era head with autoscaler v1 status.
"""

import datetime
import json
import math
import os
import random
import sys
import threading
import time

sys.dont_write_bytecode = True      # keep the source tree free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simcommon  # noqa: E402
from simcommon import Response, hostilize  # noqa: E402
import ray_tail  # noqa: E402

RAY_VERSION = "2.30.0"
RAY_COMMIT = "97c3c7b3a1c0a3e8e4b8d2f6a8d0c6e2b4f1a9c7"
API_VERSION = "4"
SERVER_HEADER = "Python/3.10 aiohttp/3.9.5"
JSON_CT = "application/json; charset=utf-8"
TEXT_CT = "text/plain; charset=utf-8"
PROM_CT = "text/plain; version=0.0.4; charset=utf-8"
GIB = 1024.0 ** 3

HEAD_START_MS = 1794900003512            # 2026-11-17 07:20:03.512 UTC
SESSION_NAME = "session_2026-11-17_07-20-03_512877_1"

HOSTILE_KEYS = frozenset([
    "name", "class_name", "message", "entrypoint", "msg", "logs", "hostname",
    "node_name", "state_message", "stateMessage", "ray_version", "version",
    "func_or_class_name", "reasonMessage", "error_message", "actor_name", "clusterStatus",
    "nodeManagerHostname", "repr_name"])

MSG_PENDING = ("Job has not started yet. It may be waiting for resources (CPUs, GPUs, memory, "
               "custom resources) to become available. It may be waiting for the runtime "
               "environment to be set up.")
MSG_RUNNING = "Job is currently running."
MSG_SUCCEEDED = "Job finished successfully."
MSG_STOPPED = "Job was intentionally stopped."
TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")

AIOHTTP_500 = "500 Internal Server Error\n\nServer got itself in trouble"

CONNECT_LINES = (
    "{ts},112\tINFO worker.py:1540 -- Connecting to existing Ray cluster at address: "
    "10.0.0.10:6379...\n"
    "{ts},130\tINFO worker.py:1724 -- Connected to Ray cluster. View the dashboard at "
    "\x1b[1m\x1b[32mhttp://10.0.0.10:8265 \x1b[39m\x1b[22m\n")


def now_s():
    return time.time()


def now_ms():
    return int(time.time() * 1000)


def fmt_ts(ms):
    return datetime.datetime.fromtimestamp(ms / 1000.0, datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S")


def camel(s):
    """Ray's to_google_style for one key."""
    parts = s.split("_")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:]) if len(parts) > 1 \
        else s


def camel_resource(name):
    if name == "node:__internal_head__":
        return "node:InternalHead"
    if ":" in name:
        a, b = name.split(":", 1)
        return camel(a) + ":" + b
    return camel(name)


def gib_str(b):
    if b <= 0:
        return "0B"
    return "%.2fGiB" % (b / GIB)


# ---------------------------------------------------------------------------
# the cluster model


class Node(object):
    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def alive(self):
        return self.state == "ALIVE"


class Cluster(object):
    def __init__(self, seed):
        self.seed = seed
        self.rng = random.Random("ray:%d" % seed)
        self.t0 = now_s()                # process start, for growing counters/logs
        self.lock = threading.RLock()
        self._nodes()
        self._jobs()
        self._actors()

    # --- nodes ----------------------------------------------------------------
    def _nodes(self):
        def rt(cpu, mem, osm, ip, gpu=0, head=False):
            d = {"CPU": float(cpu)}
            if gpu:
                d["GPU"] = float(gpu)
            d["memory"] = float(mem)
            d["object_store_memory"] = float(osm)
            if gpu:
                d["accelerator_type:A10G"] = float(gpu)
            d["node:" + ip] = 1.0
            if head:
                d["node:__internal_head__"] = 1.0
            return d
        self.nodes = [
            Node(node_id="5d0c9f1e7a3b4c2d8e6f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f",
                 ip="10.0.0.10", hostname="ray-head-7d9f8", head=True, state="ALIVE",
                 node_type="head-group", cpus=(16, 8), mem_total=67648188416,
                 resources=rt(16, 45812984627, 20615843020, "10.0.0.10", head=True),
                 used={"CPU": 2.5, "memory": 4294967296.0, "object_store_memory":
                       1073741824.0}, cpu_pct=14.0, mem_pct=31.0, gpus=[],
                 start_ms=HEAD_START_MS + 2800, end_ms=0, raylet_pid=1234, num_workers=9,
                 state_message=None, death=None),
            Node(node_id="a8b1d3c4e5f60718293a4b5c6d7e8f9012a3b4c5d6e7f8091a2b3c4d",
                 ip="10.0.0.11", hostname="ray-worker-cpu-x2k4p", head=False,
                 state="ALIVE", node_type="cpu-worker-group", cpus=(32, 16),
                 mem_total=135291469824,
                 resources=rt(32, 91625969254, 39268272537, "10.0.0.11"),
                 used={"CPU": 32.0, "memory": 17179869184.0,
                       "object_store_memory": 12884901888.0},
                 cpu_pct=96.5, mem_pct=58.0, gpus=[], start_ms=HEAD_START_MS + 7800,
                 end_ms=0, raylet_pid=1311, num_workers=34, state_message=None, death=None),
            Node(node_id="f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a",
                 ip="10.0.0.13", hostname="ray-worker-gpu-q8m1z", head=False,
                 state="ALIVE", node_type="gpu-worker-group", cpus=(48, 24),
                 mem_total=202937204736,
                 resources=rt(48, 137438953472, 58892134809, "10.0.0.13", gpu=4),
                 used={"CPU": 16.0, "GPU": 4.0, "memory": 68719476736.0,
                       "object_store_memory": 2147483648.0, "accelerator_type:A10G": 0.0},
                 cpu_pct=61.0, mem_pct=47.0,
                 gpus=[{"index": i, "name": "NVIDIA A10G",
                        "uuid": "GPU-%08x-%04x-4%03x-8%03x-%012x" % (
                            0x5f0e3c1a + i, 0x9d2b + i, 0xe77, 0xc61 + i, 0x0a9b1c2d3e4f + i),
                        "util": 93 - 3 * i, "mem_used": 20610 + 97 * i,
                        "mem_total": 23028, "pid": 52110 + i}
                       for i in range(4)],
                 start_ms=HEAD_START_MS + 10012, end_ms=0, raylet_pid=1402, num_workers=12,
                 state_message=None, death=None),
            Node(node_id="0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f",
                 ip="10.0.0.12", hostname="ray-worker-cpu-h7t2c", head=False, state="DEAD",
                 node_type="cpu-worker-group", cpus=(32, 16), mem_total=135291469824,
                 resources=rt(32, 91625969254, 39268272537, "10.0.0.12"), used={},
                 cpu_pct=0.0, mem_pct=0.0, gpus=[], start_ms=HEAD_START_MS + 8488,
                 end_ms=1795442520443, raylet_pid=1298, num_workers=0,
                 state_message="Unexpected termination: health check failed due to missing "
                               "too many heartbeats",
                 death={"reason": "UNEXPECTED_TERMINATION",
                        "reasonMessage": "health check failed due to missing too many "
                                         "heartbeats"}),
        ]
        self.head = self.nodes[0]
        self.by_ip = {n.ip: n for n in self.nodes}

    def grow_big(self, nodes, actors):
        """--big-cluster N,A (the bench): CPU workers cloned from 10.0.0.11 up
        to N nodes, every 8th with four GPUs as on 10.0.0.13, every 50th
        dead; then actors up to A, spread over them."""
        cpu, gpu, dead = self.by_ip["10.0.0.11"], self.by_ip["10.0.0.13"], \
            self.by_ip["10.0.0.12"]
        for i in range(len(self.nodes), nodes):
            base = dead if i % 50 == 0 else gpu if i % 8 == 0 else cpu
            ip = "10.%d.%d.%d" % (1 + i // 65000, (i // 250) % 256, 1 + i % 250)
            n = Node(**dict(base.__dict__))
            n.node_id = "%056x" % (0xb16 * 10 ** 9 + i)
            n.ip, n.hostname = ip, "ray-worker-%05d" % i
            n.resources = {("node:" + ip if k.startswith("node:") else k): v
                           for k, v in base.resources.items()}
            self.nodes.append(n)
            self.by_ip[ip] = n
        alive = [n for n in self.nodes if n.alive]
        classes = ("TrainWorker", "BatchScorer", "DataLoader", "Preprocessor", "Evaluator")
        for i in range(len(self.actors), actors):
            n = alive[i % len(alive)]
            st = "DEAD" if i % 97 == 0 else "ALIVE"
            self.actors.append({
                "actor_id": "%032x" % (0xac7 * 10 ** 12 + i), "class_name": classes[i % 5],
                "state": st, "job_id": "0a000000", "name": "", "node_id": n.node_id,
                "pid": 20000 + i % 40000, "ray_namespace": "",
                "_detail": {"serialized_runtime_env": "{}", "required_resources": {"CPU": 1.0},
                            "death_cause": None, "is_detached": False,
                            "placement_group_id": None, "repr_name": "", "num_restarts": 0,
                            "num_restarts_due_to_lineage_reconstruction": 0}})

    def jitter(self, key, base, rel=0.03):
        """Value that moves a little on every call (deterministic phase per key)."""
        ph = random.Random("%d:%s" % (self.seed, key)).random() * 6.283
        t = now_s()
        return base * (1 + rel * math.sin(t / 7.0 + ph) + rel * 0.5 * (random.random() - 0.5))

    def grow(self, key, base, rate):
        """Monotonic counter: base + rate * seconds since the sim started."""
        return base + rate * (now_s() - self.t0)

    # --- jobs -------------------------------------------------------------------
    def _jobs(self):
        head = self.head
        gpu = self.by_ip["10.0.0.13"]
        agent = "http://10.0.0.10:52365"
        lora_env = {"working_dir": "gcs://_ray_pkg_4c1f0e9a2b7d3e65.zip",
                    "pip": ["peft==0.11.1", "transformers==4.41.2", "mlflow==2.12.2"]}
        J = []

        def job(**kw):
            d = {"type": "SUBMISSION", "job_id": None, "submission_id": None,
                 "driver_info": None, "status": "PENDING", "entrypoint": "",
                 "message": MSG_PENDING, "error_type": None, "start_time": 0,
                 "end_time": None, "metadata": {}, "runtime_env": {},
                 "driver_agent_http_address": None, "driver_node_id": None,
                 "driver_exit_code": None}
            d.update(kw)
            J.append(d)
            return d

        def driver(jid, ip, pid):
            return {"id": jid, "node_ip_address": ip, "pid": str(pid)}

        # the DRIVER job that deployed Serve
        job(type="DRIVER", job_id="01000000", driver_info=driver("01000000", "10.0.0.10", 30511),
            status="RUNNING", entrypoint="python deploy_serve.py", message=None,
            start_time=HEAD_START_MS + 61000, end_time=0)
        # LoRA fine-tunes (submission ids as tagged by the MLflow runs)
        lora = [("raysubmit_e1657f9a3ca7", "02000000", "SUCCEEDED", 1795024155331,
                 1795030166331, "--lora-r 8 --batch-size 32", "lora-r8-bs32"),
                ("raysubmit_f4ca13abd39b", "03000000", "SUCCEEDED", 1795110555331,
                 1795116566331, "--lora-r 16 --batch-size 32", "lora-r16-bs32"),
                ("raysubmit_0d535b15674d", "04000000", "FAILED", 1795196955331,
                 1795197326331, "--lora-r 16 --batch-size 64", "lora-r16-bs64-oom"),
                ("raysubmit_9f0524812872", "05000000", "STOPPED", 1795283355331,
                 1795286006331, "--lora-r 32 --qlora", "qlora-r32"),
                ("raysubmit_8d7dd48d5f9a", "09000000", "RUNNING", 1795448955331, None,
                 "--lora-r 16 --lr 2e-4", "lora-r16-lr2e-4")]
        for sid, jid, status, st, et, args, run_name in lora:
            d = job(submission_id=sid, job_id=jid, driver_info=driver(jid, "10.0.0.10",
                                                                      40000 + int(jid[:2], 16)),
                    status=status, entrypoint="python finetune/train_lora.py " + args,
                    start_time=st, end_time=et,
                    metadata={"owner": "carol", "mlflow_experiment": "llm-summarizer-finetune",
                              "mlflow_run_name": run_name},
                    runtime_env=lora_env, driver_agent_http_address=agent,
                    driver_node_id=head.node_id)
            if status == "SUCCEEDED":
                d.update(message=MSG_SUCCEEDED, driver_exit_code=0)
            elif status == "FAILED":
                d.update(message=(
                    "Job entrypoint command failed with exit code 1, last available logs "
                    "(truncated to 20,000 chars):\n  File \"finetune/train_lora.py\", line 212,"
                    " in train_step\n    loss.backward()\ntorch.cuda.OutOfMemoryError: CUDA out "
                    "of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of "
                    "22.19 GiB of which 1.12 GiB is free.\n"),
                    error_type="JOB_ENTRYPOINT_COMMAND_ERROR", driver_exit_code=1)
            elif status == "STOPPED":
                d.update(message=MSG_STOPPED, driver_exit_code=-15)
            else:
                d.update(message=MSG_RUNNING)
        # the fixture jobs, moved onto the same timeline
        job(submission_id="raysubmit_Cg1xTzVEYTmWx3cb", job_id="06000000",
            driver_info=driver("06000000", "10.0.0.10", 41532), status="SUCCEEDED",
            entrypoint="python train.py --epochs 10", message=MSG_SUCCEEDED,
            start_time=1795283355123, end_time=1795284115456,
            metadata={"owner": "alice", "mlflow_run_id": "07268d5cbff84fea95400ef522bdd1b4"},
            runtime_env={"working_dir": "gcs://_ray_pkg_6f1b2c3d4e5f6a7b.zip",
                         "pip": ["scikit-learn==1.4.2"]},
            driver_agent_http_address=agent, driver_node_id=head.node_id, driver_exit_code=0)
        job(submission_id="raysubmit_StOpPeD0000aaaa1", job_id="07000000",
            driver_info=driver("07000000", "10.0.0.10", 43110), status="STOPPED",
            entrypoint="python sweep.py", message=MSG_STOPPED, start_time=1795300000000,
            end_time=1795300400000, driver_agent_http_address=agent,
            driver_node_id=head.node_id, driver_exit_code=-15)
        job(submission_id="raysubmit_9yQ2mNcL4tVf8Kd1", job_id="08000000",
            driver_info=driver("08000000", "10.0.0.10", 42001), status="FAILED",
            entrypoint="python eval.py",
            message=("Job entrypoint command failed with exit code 1, last available logs "
                     "(truncated to 20,000 chars):\nTraceback (most recent call last):\n  File "
                     "\"eval.py\", line 3, in <module>\n    import torchmetrics\n"
                     "ModuleNotFoundError: No module named 'torchmetrics'\n"),
            error_type="JOB_ENTRYPOINT_COMMAND_ERROR", start_time=1795440000000,
            end_time=1795440007321, driver_agent_http_address=agent,
            driver_node_id=head.node_id, driver_exit_code=1)
        job(submission_id="raysubmit_XhRk7v3qPzNwB2aL", job_id="0a000000",
            driver_info=driver("0a000000", "10.0.0.11", 1877), status="RUNNING",
            entrypoint="python -m pipelines.batch_score --date 2026-11-23",
            message=MSG_RUNNING, start_time=1795452000000,
            metadata={"owner": "prefect", "flow_run": "quiet-otter"},
            driver_agent_http_address="http://10.0.0.11:52365",
            driver_node_id=self.by_ip["10.0.0.11"].node_id)
        job(submission_id="raysubmit_Lb3nW8eR5tY1uI0o", status="PENDING",
            entrypoint="python finetune.py", start_time=1795455900000,
            runtime_env={"pip": ["peft==0.11.1"]})
        self.jobs = J
        self.next_job = 0x0b
        self.gpu_node = gpu

    def find_job(self, ident):
        for j in self.jobs:
            if ident and (j["submission_id"] == ident or j["job_id"] == ident):
                return j
        return None

    def refresh_jobs(self):
        """Advance jobs submitted through the API (PENDING -> RUNNING -> SUCCEEDED)."""
        t = now_ms()
        for j in self.jobs:
            sub = j.get("_submitted")
            if not sub or j["status"] in TERMINAL:
                continue
            if j["status"] == "PENDING" and t - sub >= 3000:
                jid = "%02x000000" % self.next_job
                self.next_job += 1
                j.update(status="RUNNING", job_id=jid, message=MSG_RUNNING,
                         driver_info={"id": jid, "node_ip_address": "10.0.0.10",
                                      "pid": str(45000 + self.next_job)},
                         driver_agent_http_address="http://10.0.0.10:52365",
                         driver_node_id=self.head.node_id)
            if j["status"] == "RUNNING" and t - sub >= 23000:
                j.update(status="SUCCEEDED", message=MSG_SUCCEEDED, end_time=sub + 23000,
                         driver_exit_code=0)

    def public_job(self, j):
        return {k: v for k, v in j.items() if not k.startswith("_")}

    def job_logs(self, j):
        sid = j["submission_id"]
        st = j["start_time"]
        if j["status"] == "PENDING" or j["driver_agent_http_address"] is None:
            return ""
        out = CONNECT_LINES.format(ts=fmt_ts(st + 2000))
        ent = j["entrypoint"]
        if "train_lora" in ent:
            steps = 0
            if j["status"] == "RUNNING":
                steps = 34 + int((now_s() - self.t0) // 2)
            elif j["status"] == "FAILED":
                steps = 3
            else:
                steps = 50 if j["status"] == "SUCCEEDED" else 21
            rng = random.Random("logs:%s" % sid)
            loss = 3.3
            out += "Loading base model mistralai/Mistral-7B-v0.1 ...\n"
            out += "\x1b[36m(TrainWorker pid=52110, ip=10.0.0.13)\x1b[0m trainable params: " \
                   "6,815,744 || all params: 7,248,547,840 || trainable%: 0.0940\n"
            for s in range(min(steps, 600)):
                loss = max(0.9, loss * 0.96 + rng.uniform(-0.02, 0.02))
                out += "\x1b[36m(TrainWorker pid=52110, ip=10.0.0.13)\x1b[0m step %d " \
                       "loss=%.4f lr=2.0e-04\n" % (s, loss)
            if j["status"] == "FAILED":
                out += ("Traceback (most recent call last):\n  File \"finetune/train_lora.py\", "
                        "line 212, in train_step\n    loss.backward()\n"
                        "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate "
                        "2.00 GiB\n")
            elif j["status"] == "SUCCEEDED":
                out += "Saved adapter to mlflow-artifacts (run %s)\n" % \
                    j["metadata"].get("mlflow_run_name", "")
        elif "batch_score" in ent:
            n = 2 + int((now_s() - self.t0) // 5)
            for k in range(1, min(n, 11) + 1):
                out += "scoring partition %d/12\n" % k
        elif j["status"] == "FAILED":
            out += j["message"].split("):\n", 1)[-1]
        elif j["status"] == "STOPPED":
            out += "trial 0 started\ntrial 1 started\n\x1b[33mReceived SIGTERM, shutting " \
                   "down\x1b[0m\n"
        else:
            out += "epoch 10/10 accuracy=0.9712\nDone.\n"
        return out

    # --- actors -----------------------------------------------------------------
    def _actors(self):
        head, cpu, gpu = self.head, self.by_ip["10.0.0.11"], self.by_ip["10.0.0.13"]
        dead = self.by_ip["10.0.0.12"]
        A = []

        def actor(aid, cls, state, job, name, node, pid, ns, res, pg=None, death=None,
                  restarts=0, detached=False):
            A.append({"actor_id": aid, "class_name": cls, "state": state, "job_id": job,
                      "name": name, "node_id": node.node_id if node else None,
                      "pid": pid, "ray_namespace": ns,
                      "_detail": {"serialized_runtime_env": "{}", "required_resources": res,
                                  "death_cause": death, "is_detached": detached,
                                  "placement_group_id": pg, "repr_name": "",
                                  "num_restarts": restarts,
                                  "num_restarts_due_to_lineage_reconstruction": 0}})
        actor("1d214b7bdf07446ea0ed9d7001000000", "ServeController", "ALIVE", "01000000",
              "SERVE_CONTROLLER_ACTOR", head, 29778, "serve", {"CPU": 0.0}, detached=True)
        for i, n in enumerate((head, cpu, gpu)):
            actor("%s01000000" % ("b7a16b8342e1ced620ae63%02x" % (0x89 + i)), "ProxyActor",
                  "ALIVE", "01000000", "SERVE_CONTROLLER_ACTOR:SERVE_PROXY_ACTOR-" + n.node_id,
                  n, 29801 + i * 7, "serve", {"CPU": 0.0}, detached=True)
        actor("4bb8479ad0c9e9087fee651901000000", "ServeReplica:fraud_app:FraudModel", "ALIVE",
              "01000000", "SERVE_REPLICA::fraud_app#FraudModel#kQ3xZp", head, 29892, "serve",
              {"CPU": 1.0}, detached=True)
        actor("4bb8479ad0c9e9087fee651a01000000", "ServeReplica:fraud_app:FraudModel", "ALIVE",
              "01000000", "SERVE_REPLICA::fraud_app#FraudModel#Wd81Qe", head, 29893, "serve",
              {"CPU": 1.0}, detached=True)
        actor("5cc9580be1dafa198fff762a01000000", "ServeReplica:fraud_app:Preprocessor",
              "ALIVE", "01000000", "SERVE_REPLICA::fraud_app#Preprocessor#Lm9aTr", head, 29894,
              "serve", {"CPU": 0.5}, detached=True)
        actor("6dda691cf2ebab2a9000873b01000000", "ServeReplica:summarizer_app:Summarizer",
              "PENDING_CREATION", "01000000", "SERVE_REPLICA::summarizer_app#Summarizer#pX2vNc",
              None, 0, "serve", {"CPU": 1.0, "GPU": 1.0}, detached=True)
        for i in range(4):
            actor("7118ae807cffc1c99ad5ad27%02x000000" % (9 + i * 16), "TrainWorker", "ALIVE",
                  "09000000", "", gpu, 52110 + i, "", {"CPU": 4.0, "GPU": 1.0},
                  pg="8c7f1e2d3b4a59687a6b5c4d09000000")
        actor("9c2e4a6b8d0f1a3c5e7b9d1f0a000000", "BatchScorer", "ALIVE", "0a000000", "", cpu,
              1903, "", {"CPU": 8.0})
        actor("3f5a7c9e1b3d5f7a9c1e3b5d0a000000", "DataLoader", "DEAD", "0a000000", "", dead,
              51022, "", {"CPU": 1.0},
              death={"actor_died_error_context": {
                  "error_message": "The actor is dead because its node has died. Node Id: "
                                   + dead.node_id,
                  "owner_id": "ffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                  "owner_ip_address": "10.0.0.11", "node_ip_address": "10.0.0.12",
                  "pid": 51022, "name": "", "ray_namespace": "a1b2c3",
                  "class_name": "DataLoader",
                  "actor_id": "3f5a7c9e1b3d5f7a9c1e3b5d0a000000", "never_started": False,
                  "reason": "NODE_DIED"}})
        self.actors = A

    # --- derived views ------------------------------------------------------------
    def node_used(self, n):
        u = dict(n.used)
        u.setdefault("object_store_memory", 0.0)
        return u

    def usage(self):
        """Cluster logical usage {resource: [used, total]} over alive nodes."""
        out = {}
        for n in self.nodes:
            if not n.alive:
                continue
            used = self.node_used(n)
            for k, tot in n.resources.items():
                cur = out.setdefault(k, [0.0, 0.0])
                cur[0] += float(used.get(k, 0.0)) if not k.startswith("node:") else 0.0
                cur[1] += tot
        return out

    def task_counts(self):
        el = now_s() - self.t0
        return {
            "preprocess_batch": ("NORMAL_TASK", {"FINISHED": 1480 + int(el * 3),
                                                 "RUNNING": 32,
                                                 "PENDING_NODE_ASSIGNMENT": 40,
                                                 "FAILED": 2}),
            "TrainWorker.__init__": ("ACTOR_CREATION_TASK", {"FINISHED": 4}),
            "TrainWorker.train_epoch": ("ACTOR_TASK", {"FINISHED": 136 + int(el / 2),
                                                       "RUNNING": 4}),
            "BatchScorer.__init__": ("ACTOR_CREATION_TASK", {"FINISHED": 1}),
            "BatchScorer.score": ("ACTOR_TASK", {"FINISHED": 211 + int(el), "RUNNING": 1}),
            "DataLoader.__init__": ("ACTOR_CREATION_TASK", {"FINISHED": 1}),
            "ServeReplica:summarizer_app:Summarizer.__init__": (
                "ACTOR_CREATION_TASK", {"PENDING_NODE_ASSIGNMENT": 1}),
        }


# ---------------------------------------------------------------------------
# the HTTP app


class RayApp(simcommon.App):
    server_header = SERVER_HEADER
    keep_alive = True
    name = "ray-sim"

    ENVELOPE_PREFIXES = ("/api/cluster_status", "/nodes", "/api/v0/")

    def __init__(self, args):
        simcommon.App.__init__(self, args)
        self.c = Cluster(args.seed)
        big = getattr(args, "big_cluster", None)
        if big:
            nodes, actors = (int(x) for x in big.split(","))
            self.c.grow_big(nodes, actors)
        self.flaps = {}   # path (or "grow:" id) -> requests seen in mode flap (grow)
        self.metric_meta = self._load_metric_meta()

    def reset(self):
        """The jobs back to the seeded ones (tests stop and submit jobs), the
        flap counters to zero."""
        with self.c.lock:
            self.c._jobs()
            self.flaps = {}

    def flap(self, req):
        """Request mode flap (a base URL ending in /__mode/flap): per path of
        the Ray panel's refresh (/nodes, /api/cluster_status; the Overview's
        probe paths are left alone, so that its polls move no counter), the
        1st request is answered, the 2nd and 3rd get a 503 as from a proxy
        in front of a stopped dashboard, the 4th on are answered again; so a
        panel refreshed three times sees ok, stale, down, back."""
        if req.path not in ("/nodes", "/api/cluster_status"):
            return None
        with self.c.lock:
            k = self.flaps.get(req.path, 0) + 1
            self.flaps[req.path] = k
        if k in (2, 3):
            return Response(503, "503 Service Unavailable: the dashboard is not answering\n",
                            TEXT_CT)
        return None

    @staticmethod
    def _load_metric_meta():
        meta = {}
        for fn in ("node-metrics.prom", "node-metrics-worker.prom"):
            for line in simcommon.load_fixture_text("ray", fn).splitlines():
                if line.startswith("# HELP "):
                    name, text = line[7:].split(" ", 1)
                    meta.setdefault(name, {})["help"] = text
                elif line.startswith("# TYPE "):
                    name, typ = line[7:].split(" ", 1)
                    meta.setdefault(name, {})["type"] = typ
        return meta

    # --- plumbing -----------------------------------------------------------------
    def out(self, obj, status=200):
        if self.hostile:
            obj = hostilize(obj, HOSTILE_KEYS)
        return Response(status, json.dumps(obj), JSON_CT)

    def envelope(self, data, msg="", result=True, status=200):
        return self.out({"result": result, "msg": msg, "data": data}, status)

    def text(self, status, s):
        if self.hostile and status >= 400:
            return Response(status, simcommon.hostile_bytes(s), TEXT_CT)
        return Response(status, s, TEXT_CT)

    def error500(self, req):
        if req.path.startswith(self.ENVELOPE_PREFIXES):
            return Response(500, json.dumps({
                "result": False,
                "msg": "Traceback (most recent call last):\n  File \"/usr/local/lib/python3.10/"
                       "site-packages/ray/dashboard/optional_utils.py\", line 91, in "
                       "_handler_route\n    return await handler(bind_info.instance, req)\n"
                       "ray.exceptions.RpcError: failed to connect to all addresses; last "
                       "error: UNKNOWN: ipv4:10.0.0.10:6379: Failed to connect to remote host: "
                       "Connection refused\n",
                "data": {}}), JSON_CT)
        return Response(500, AIOHTTP_500, TEXT_CT)

    def handle(self, req):
        if req.mode == "flap":
            down = self.flap(req)
            if down:
                return down
        resp = self.route(req)
        if req.mode == "loopback" and resp.status == 200:
            # the head at the address of the stack's [node head] (its sshd)
            resp.body = resp.body.replace(b'"10.0.0.10"', b'"127.0.0.1"')
        return resp

    def route(self, req):
        p, m = req.path, req.method
        if m == "HEAD":
            m = "GET"
        routes = [
            ("/api/version", ("GET",), self.h_version),
            ("/api/cluster_status", ("GET",), self.h_cluster_status),
            ("/nodes", ("GET",), self.h_nodes),
            ("/api/v0/nodes", ("GET",), self.h_state_nodes),
            ("/api/v0/actors", ("GET",), self.h_state_actors),
            ("/api/v0/tasks/summarize", ("GET",), self.h_tasks_summarize),
            ("/api/jobs/", ("GET", "POST"), self.h_jobs),
            ("/api/serve/applications/", ("GET",), self.h_serve),
            ("/api/gcs_healthz", ("GET",), self.h_healthz),
            ("/api/local_raylet_healthz", ("GET",), self.h_healthz),
            ("/metrics", ("GET",), self.h_metrics),
        ]
        for path, methods, fn in routes:
            if p == path:
                if m not in methods:
                    return self.method_not_allowed(methods)
                return fn(req, m)
        if p.startswith("/api/jobs/"):
            rest = p[len("/api/jobs/"):]
            parts = rest.split("/")
            if len(parts) == 1 and parts[0]:
                if m not in ("GET", "DELETE"):
                    return self.method_not_allowed(("GET", "DELETE"))
                return self.h_job(req, m, parts[0])
            if len(parts) == 2 and parts[1] == "logs":
                if m != "GET":
                    return self.method_not_allowed(("GET",))
                return self.h_job_logs(req, parts[0])
            if len(parts) == 3 and parts[1:] == ["logs", "tail"]:
                if m != "GET":
                    return self.method_not_allowed(("GET",))
                return ray_tail.handle(self, req, parts[0])
            if len(parts) == 2 and parts[1] == "stop":
                if m != "POST":
                    return self.method_not_allowed(("POST",))
                return self.h_job_stop(req, parts[0])
        return Response(404, "404: Not Found", TEXT_CT)

    def method_not_allowed(self, methods):
        allow = ",".join(sorted(set(methods) | ({"HEAD"} if "GET" in methods else set())))
        return Response(405, "405: Method Not Allowed", TEXT_CT, [("Allow", allow)])

    # --- simple routes ----------------------------------------------------------------
    def h_version(self, req, m):
        return self.out({"version": API_VERSION, "ray_version": RAY_VERSION,
                         "ray_commit": RAY_COMMIT, "session_name": SESSION_NAME})

    def h_healthz(self, req, m):
        return Response(200, "success", "application/text; charset=utf-8")

    # --- cluster status ---------------------------------------------------------------
    def h_cluster_status(self, req, m):
        c = self.c
        with c.lock:
            usage = c.usage()
        if req.arg("format", "0") == "1":
            return self.envelope({"clusterStatus": self._status_text(usage)},
                                 "Got formatted cluster status.")
        usage_camel = {camel_resource(k): v for k, v in usage.items()}
        by_node, type_map, idle = {}, {}, {}
        node_types = {}
        for n in c.nodes:
            if not n.alive:
                continue
            u = c.node_used(n)
            by_node[n.node_id] = {camel_resource(k): [float(u.get(k, 0.0)), v]
                                  for k, v in n.resources.items()
                                  if not k.startswith("node:") and not k.startswith("acc")}
            type_map[n.node_id] = n.node_type
            idle[n.node_id] = 0
            key = json.dumps({k: v for k, v in n.resources.items()}, sort_keys=False)
            node_types.setdefault(key, [n.resources, 0])[1] += 1
        data = {
            "autoscalingStatus": None,
            "autoscalingError": None,
            "clusterStatus": {
                "loadMetricsReport": {
                    "usage": usage_camel,
                    "resourceDemand": [[{"CPU": 1.0}, 40], [{"GPU": 1.0, "CPU": 1.0}, 1]],
                    "pgDemand": [],
                    "requestDemand": [],
                    "nodeTypes": [[dict(r), cnt] for r, cnt in node_types.values()],
                    "headIp": None,
                    "usageByNode": by_node,
                    "nodeTypeMapping": type_map,
                    "idleTimeMap": idle,
                },
                "time": now_s(),
                "monitorPid": 412,
                "autoscalerReport": {
                    "activeNodes": {"head-group": 1, "cpu-worker-group": 1,
                                    "gpu-worker-group": 1},
                    "idleNodes": {},
                    "pendingNodes": [["10.0.0.14", "gpu-worker-group", "waiting-for-ssh"]],
                    "pendingLaunches": {"gpu-worker-group": 1},
                    "failedNodes": [["10.0.0.12", "cpu-worker-group"]],
                    "nodeAvailabilitySummary": {"nodeAvailabilities": {}},
                    "nodeActivities": None,
                    "pendingResources": {},
                    "nodeTypeMapping": {n.ip: n.node_type for n in c.nodes if n.alive},
                    "legacy": False,
                },
                "gcsRequestTime": round(c.jitter("gcs_rt", 0.0018, 0.2), 6),
                "nonTerminatedNodesTime": round(c.jitter("ntn", 0.00021, 0.2), 6),
                "autoscalerUpdateTime": round(c.jitter("aut", 0.0129, 0.2), 6),
            }}
        return self.envelope(data, "Got cluster status.")

    def _status_text(self, usage):
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        lines = ["======== Autoscaler status: %s ========" % stamp, "Node status",
                 "-" * 63, "Active:", " 1 head-group", " 1 cpu-worker-group",
                 " 1 gpu-worker-group", "Idle:", " (no idle nodes)", "Pending:",
                 " gpu-worker-group, 1 launching",
                 " 10.0.0.14: gpu-worker-group, waiting-for-ssh", "Recent failures:",
                 " cpu-worker-group: NodeTerminated (ip: 10.0.0.12)", "", "Resources",
                 "-" * 63, "Total Usage:"]
        for k in ("CPU", "GPU"):
            if k in usage:
                lines.append(" %.1f/%.1f %s" % (usage[k][0], usage[k][1], k))
        for k in ("memory", "object_store_memory"):
            lines.append(" %s/%s %s" % (gib_str(usage[k][0]), gib_str(usage[k][1]), k))
        lines += ["", "Total Constraints:", " (no request_resources() constraints)",
                  "Total Demands:", " {'CPU': 1.0}: 40+ pending tasks/actors",
                  " {'GPU': 1.0, 'CPU': 1.0}: 1+ pending tasks/actors"]
        return "\n".join(lines)

    # --- /nodes -------------------------------------------------------------------
    def _raylet(self, n):
        c = self.c
        res = {camel_resource(k): v for k, v in n.resources.items()}
        common = {"nodeId": n.node_id, "nodeManagerAddress": n.ip,
                  "nodeManagerHostname": n.hostname, "nodeManagerPort": 38793,
                  "objectManagerPort": 41003}
        if not n.alive:
            d = dict(common)
            d.update({"state": "DEAD", "isHeadNode": n.head, "resourcesTotal": res,
                      "startTimeMs": str(n.start_ms), "endTimeMs": str(n.end_ms),
                      "deathInfo": dict(n.death),
                      "labels": {"ray.io/nodeId": n.node_id},
                      "objectStoreUsedMemory": 0, "objectStoreAvailableMemory": 0,
                      "stateMessage": n.state_message})
            return d
        osm_total = int(n.resources["object_store_memory"])
        osm_used = int(c.node_used(n).get("object_store_memory", 0))
        d = {"cpu": round(c.jitter("raylet_cpu" + n.ip, 2.1, 0.2), 1),
             "mem": [117858304 + int(n.num_workers * 1048576), 0, 0, 0],
             "numWorkers": n.num_workers, "pid": n.raylet_pid,
             "storeStats": {"spillTimeTotalS": 0.0, "restoreTimeTotalS": 0.0,
                            "objectStoreBytesUsed": str(osm_used),
                            "objectStoreBytesAvail": str(osm_total),
                            "objectStoreBytesPrimaryCopy": str(int(osm_used * 0.9375)),
                            "numLocalObjects": 64 + osm_used // 8388608,
                            "consumedBytes": str(osm_used * 2 + 1073741824),
                            "objectPullsQueued": False},
             "objectStoreUsedMemory": osm_used,
             "objectStoreAvailableMemory": osm_total - osm_used}
        d.update(common)
        d.update({"objectStoreSocketName": "/tmp/ray/session_latest/sockets/plasma_store",
                  "rayletSocketName": "/tmp/ray/session_latest/sockets/raylet",
                  "metricsExportPort": 8080, "nodeName": n.ip, "runtimeEnvAgentPort": 57123,
                  "state": "ALIVE", "resourcesTotal": res, "startTimeMs": str(n.start_ms),
                  "endTimeMs": "0", "isHeadNode": n.head,
                  "labels": {"ray.io/nodeId": n.node_id}, "stateMessage": None})
        return d

    def _host_stats(self, n):
        c = self.c
        t = now_s()
        mem_pct = round(c.jitter("mem" + n.ip, n.mem_pct, 0.01), 1)
        used = int(n.mem_total * mem_pct / 100.0)
        disk_total = 498897733632
        disk_used = int(c.grow("disk" + n.ip, 118734505984, 4096))
        d = {"now": round(t, 2), "hostname": n.hostname, "ip": n.ip,
             "cpu": round(min(100.0, c.jitter("cpu" + n.ip, n.cpu_pct, 0.03)), 2),
             "cpus": list(n.cpus),
             "mem": [n.mem_total, n.mem_total - used, mem_pct, used],
             "shm": 1073741824,
             "bootTime": (HEAD_START_MS - 600000) / 1000.0,
             "loadAvg": [[round(c.jitter("la1" + n.ip, n.cpus[0] * n.cpu_pct / 100.0, 0.05),
                                2),
                          round(n.cpus[0] * n.cpu_pct / 100.0 * 0.95, 2),
                          round(n.cpus[0] * n.cpu_pct / 100.0 * 0.9, 2)],
                         [round(n.cpu_pct / 100.0, 2), round(n.cpu_pct / 100.0 * 0.95, 2),
                          round(n.cpu_pct / 100.0 * 0.9, 2)]],
             "disk": {m: {"total": disk_total, "used": disk_used,
                          "free": disk_total - disk_used,
                          "percent": round(100.0 * disk_used / disk_total, 1)}
                      for m in ("/", "/tmp/ray")},
             "diskIo": [int(c.grow("dr" + n.ip, 1073741824, 1258291)),
                        int(c.grow("dw" + n.ip, 3221225472, 3355443)),
                        int(c.grow("dri" + n.ip, 40211, 12)),
                        int(c.grow("dwi" + n.ip, 91822, 40))],
             "diskIoSpeed": [round(c.jitter("drs" + n.ip, 1258291.2), 1),
                             round(c.jitter("dws" + n.ip, 3355443.2), 1),
                             round(c.jitter("dris" + n.ip, 12.4), 1),
                             round(c.jitter("dwis" + n.ip, 40.1), 1)],
             "gpus": [{"index": g["index"], "name": g["name"], "uuid": g["uuid"],
                       "utilizationGpu": int(min(100, c.jitter("gu%s%d" % (n.ip, g["index"]),
                                                               g["util"], 0.04))),
                       "memoryUsed": g["mem_used"], "memoryTotal": g["mem_total"],
                       "processesPids": [{"pid": g["pid"],
                                          "gpuMemoryUsage": g["mem_used"] - 400}]}
                      for g in n.gpus],
             "network": [int(c.grow("ns" + n.ip, 8742338000, 524288)),
                         int(c.grow("nr" + n.ip, 12318721000, 786432))],
             "networkSpeed": [round(c.jitter("nss" + n.ip, 524288.0), 1),
                              round(c.jitter("nrs" + n.ip, 786432.0), 1)],
             "cmdline": ["/usr/local/bin/python", "-u",
                         "/usr/local/lib/python3.10/site-packages/ray/dashboard/agent.py"],
             "raylet": self._raylet(n)}
        return d

    def h_nodes(self, req, m):
        view = req.arg("view", "")
        c = self.c
        with c.lock:
            if view == "summary":
                summary = [self._host_stats(n) if n.alive else {"raylet": self._raylet(n)}
                           for n in c.nodes]
                logical = {}
                for n in c.nodes:
                    if not n.alive:
                        continue
                    u = c.node_used(n)
                    lines = []
                    for k in ("CPU", "GPU"):
                        if k in n.resources:
                            lines.append("%.1f/%.1f %s" % (u.get(k, 0.0), n.resources[k], k))
                    for k in ("memory", "object_store_memory"):
                        lines.append("%s/%s %s" % (gib_str(u.get(k, 0.0)),
                                                   gib_str(n.resources[k]), k))
                    logical[n.node_id] = "\n".join(lines)
                return self.envelope({"summary": summary, "nodeLogicalResources": logical},
                                     "Node summary fetched.")
            if view == "hostNameList":
                return self.envelope({"hostNameList": [n.hostname for n in c.nodes
                                                       if n.alive]},
                                     "Node hostname list fetched.")
        return self.envelope({}, "Unknown view %s" % view, result=False, status=400)

    # --- state API ---------------------------------------------------------------------
    def _state_list(self, req, rows, columns, detail_fn):
        limit_s = req.arg("limit", "100")
        try:
            limit = int(limit_s)
        except ValueError:
            return self.envelope({"result": None}, "invalid literal for int() with base 10: "
                                 "'%s'" % limit_s, result=False, status=400)
        if limit > 10000:
            return self.envelope({"result": None}, "limit %d is too large. Use a value "
                                 "smaller than 10000" % limit, result=False, status=400)
        keys = req.arglist("filter_keys")
        preds = req.arglist("filter_predicates")
        vals = req.arglist("filter_values")
        filters = list(zip(keys, preds, vals))
        for k, p, v in filters:
            if k not in columns:
                return self.envelope({"result": None}, (
                    "The given filter column %s is not supported. Enter filters with "
                    "\u2013-filter key=value or \u2013-filter key!=value Supported filter "
                    "columns: {%s}" % (k, ", ".join("'%s'" % x for x in columns))),
                    result=False, status=400)
            if p not in ("=", "!="):
                return self.envelope({"result": None}, "Unsupported filter predicate %s is "
                                     "given. Available predicates: =, !=." % p,
                                     result=False, status=400)
        total = len(rows)
        out = []
        for r in rows:
            ok = True
            for k, p, v in filters:
                rv = r.get(k)
                rv = ("true" if rv else "false") if isinstance(rv, bool) else str(rv)
                if isinstance(r.get(k), str) and k in ("state",):
                    rv, v = rv.upper(), v.upper()
                if (rv == v) != (p == "="):
                    ok = False
            if ok:
                out.append(r)
        filtered = len(out)
        detail = req.arg("detail", "false").lower() in ("true", "1")
        result = [detail_fn(r) if detail else {k: v for k, v in r.items()
                                                if not k.startswith("_")}
                  for r in out[:limit]]
        warn = None
        if filtered > limit:
            warn = ["Limit last %d rows are returned. Use --limit to get more rows" % limit]
        return self.envelope({"result": {"total": total, "num_after_truncation": total,
                                         "num_filtered": filtered, "result": result,
                                         "partial_failure_warning": "", "warnings": warn}})

    def h_state_nodes(self, req, m):
        rows = []
        for n in self.c.nodes:
            rows.append({"node_id": n.node_id, "node_ip": n.ip, "is_head_node": n.head,
                         "state": n.state, "state_message": n.state_message,
                         "node_name": n.ip, "resources_total": dict(n.resources),
                         "labels": {"ray.io/node_id": n.node_id},
                         "_start": n.start_ms, "_end": n.end_ms})

        def detail(r):
            d = {k: v for k, v in r.items() if not k.startswith("_")}
            d["start_time_ms"] = r["_start"]
            d["end_time_ms"] = r["_end"]
            return d
        return self._state_list(req, rows, ["state", "node_ip", "node_id", "node_name",
                                            "is_head_node"], detail)

    def h_state_actors(self, req, m):
        def detail(r):
            d = {k: v for k, v in r.items() if not k.startswith("_")}
            d.update(r["_detail"])
            return d
        return self._state_list(req, list(self.c.actors),
                                ["actor_id", "class_name", "state", "job_id", "name",
                                 "node_id", "pid", "ray_namespace"], detail)

    def h_tasks_summarize(self, req, m):
        counts = self.c.task_counts()
        summary = {}
        total = normal = actor_tasks = scheduled = 0
        for name, (typ, sc) in counts.items():
            summary[name] = {"func_or_class_name": name, "type": typ,
                             "state_counts": dict(sc)}
            n = sum(sc.values())
            total += n
            if typ == "NORMAL_TASK":
                normal += n
            elif typ == "ACTOR_TASK":
                actor_tasks += n
            else:
                scheduled += n
        return self.envelope({"result": {
            "total": total, "num_after_truncation": total, "num_filtered": total,
            "result": {"node_id_to_summary": {"cluster": {
                "summary": summary, "total_tasks": normal, "total_actor_tasks": actor_tasks,
                "total_actor_scheduled": scheduled, "summary_by": "func_name"}}},
            "partial_failure_warning": "", "warnings": None}})

    # --- jobs -------------------------------------------------------------------------
    def h_jobs(self, req, m):
        c = self.c
        with c.lock:
            c.refresh_jobs()
            if m == "GET":
                subs = [c.public_job(j) for j in c.jobs if j["type"] == "SUBMISSION"]
                drivers = [c.public_job(j) for j in c.jobs if j["type"] == "DRIVER"]
                return self.out(subs + drivers)
            try:
                body = req.json()
            except (ValueError, UnicodeDecodeError):
                return self.text(400, "Traceback (most recent call last):\n  ...\n"
                                      "json.decoder.JSONDecodeError: Expecting value: line 1 "
                                      "column 1 (char 0)\n")
            if not isinstance(body, dict) or not isinstance(body.get("entrypoint"), str):
                return self.text(400, "Traceback (most recent call last):\n  File \"/usr/"
                                      "local/lib/python3.10/site-packages/ray/dashboard/"
                                      "modules/job/utils.py\", line 265, in "
                                      "parse_and_validate_request\n    return "
                                      "request_type(**json_data)\nTypeError: __init__() "
                                      "missing 1 required positional argument: "
                                      "'entrypoint'\n")
            sid = body.get("submission_id") or body.get("job_id") or \
                "raysubmit_%s" % "".join(random.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKL"
                                                       "MNPQRSTUVWXYZ0123456789")
                                         for _ in range(16))
            if c.find_job(sid):
                return self.text(400, "Traceback (most recent call last):\n  ...\nValueError: "
                                      "Job with submission_id %s already exists. Please use a "
                                      "different submission_id.\n" % sid)
            t = now_ms()
            c.jobs.append({"type": "SUBMISSION", "job_id": None, "submission_id": sid,
                           "driver_info": None, "status": "PENDING",
                           "entrypoint": body["entrypoint"], "message": MSG_PENDING,
                           "error_type": None, "start_time": t, "end_time": None,
                           "metadata": body.get("metadata") or {},
                           "runtime_env": body.get("runtime_env") or {},
                           "driver_agent_http_address": None, "driver_node_id": None,
                           "driver_exit_code": None, "_submitted": t})
            return self.out({"job_id": sid, "submission_id": sid})

    def h_job(self, req, m, ident):
        c = self.c
        with c.lock:
            c.refresh_jobs()
            j = c.find_job(ident)
            if j is None:
                return self.text(404, "Job %s does not exist" % ident)
            if m == "GET":
                return self.out(c.public_job(j))
            if j["type"] != "SUBMISSION":
                return self.text(400, "Can only delete submission type jobs")
            if j["status"] not in TERMINAL:
                return self.text(500, (
                    "Traceback (most recent call last):\n  File \"/usr/local/lib/python3.10/"
                    "site-packages/ray/dashboard/modules/job/job_head.py\", line 383, in "
                    "delete_job\n    resp = await job_agent_client.delete_job_internal("
                    "job.submission_id)\n  File \"/usr/local/lib/python3.10/site-packages/ray/"
                    "dashboard/modules/job/job_head.py\", line 124, in delete_job_internal\n"
                    "    await self._raise_error(resp)\nRuntimeError: Request failed with "
                    "status code 400: Attempted to delete job '%s', but it is in a "
                    "non-terminal state %s..\n" % (j["submission_id"], j["status"])))
            c.jobs.remove(j)
            return self.out({"deleted": True})

    def h_job_logs(self, req, ident):
        c = self.c
        with c.lock:
            c.refresh_jobs()
            j = c.find_job(ident)
            if j is None:
                return self.text(404, "Job %s does not exist" % ident)
            if j["type"] != "SUBMISSION":
                return self.text(400, "Can only get logs of submission type jobs")
            if req.mode == "grow":
                return self.out({"logs": self.grown_log(j)})
            if req.mode == "bigtail":  # the whole log is past the client's 8 MiB cap
                return self.out({"logs": ray_tail.BIG_HEAD * (9 * 1024 * 1024 // len(
                    ray_tail.BIG_HEAD) + 1)})
            return self.out({"logs": c.job_logs(j)})

    def grown_log(self, j):
        """Request mode grow: the k-th request for a job's log answers 12 k
        coloured lines, the last of them without its newline (the next
        answer completes it), whatever the clock: a follow test's log."""
        sid = j["submission_id"]
        k = self.flaps.get("grow:" + sid, 0) + 1
        self.flaps["grow:" + sid] = k
        out = "".join("\x1b[36m(Worker pid=7)\x1b[0m %s step %d\n" % (sid, i)
                      for i in range(1, 12 * k))
        return out + "\x1b[36m(Worker pid=7)\x1b[0m %s step %d" % (sid, 12 * k)

    def h_job_stop(self, req, ident):
        c = self.c
        with c.lock:
            c.refresh_jobs()
            j = c.find_job(ident)
            if j is None:
                return self.text(404, "Job %s does not exist" % ident)
            if j["type"] != "SUBMISSION":
                return self.text(400, "Can only stop submission type jobs")
            if j["status"] in TERMINAL:
                return self.out({"stopped": False})
            j.update(status="STOPPED", message=MSG_STOPPED, end_time=now_ms(),
                     driver_exit_code=-15 if j["driver_info"] else None)
            j.pop("_submitted", None)
            return self.out({"stopped": True})

    # --- serve ------------------------------------------------------------------------
    def h_serve(self, req, m):
        c = self.c
        head = c.head

        def replica(app, dep, tag, node, aid, pid, start, state="RUNNING"):
            return {"node_id": node.node_id if node else None,
                    "node_ip": node.ip if node else None,
                    "actor_id": aid, "actor_name": "SERVE_REPLICA::%s#%s#%s" % (app, dep, tag),
                    "worker_id": random.Random(aid).getrandbits(224).to_bytes(28, "big").hex()
                    if node else None,
                    "log_file_path": "/serve/replica_%s_%s.log" % (app, tag),
                    "replica_id": "%s#%s#%s" % (app, dep, tag), "state": state,
                    "pid": pid if node else None, "start_time_s": start}

        def dep_config(name, n, user_config, res):
            return {"name": name, "num_replicas": n, "max_ongoing_requests": 100,
                    "user_config": user_config, "graceful_shutdown_wait_loop_s": 2.0,
                    "graceful_shutdown_timeout_s": 20.0, "health_check_period_s": 10.0,
                    "health_check_timeout_s": 30.0,
                    "ray_actor_options": dict(res, runtime_env={}),
                    "is_driver_deployment": False}
        t_fraud = (HEAD_START_MS + 65000) / 1000.0
        t_sum = 1795455600.25
        fraud_cfg = {"model_uri": "models:/fraud-detector@champion", "threshold": 0.42}
        data = {
            "controller_info": {"node_id": head.node_id, "node_ip": head.ip,
                                "actor_id": "1d214b7bdf07446ea0ed9d7001000000",
                                "actor_name": "SERVE_CONTROLLER_ACTOR",
                                "worker_id": "adf416ae436a806ca302d4712e0df163245aba7ab835b0e0"
                                             "f4d85819",
                                "log_file_path": "/serve/controller_29778.log"},
            "proxy_location": "EveryNode",
            "http_options": {"host": "0.0.0.0", "port": 8000, "root_path": "",
                             "request_timeout_s": None, "keep_alive_timeout_s": 5},
            "grpc_options": {"port": 9000, "grpc_servicer_functions": [],
                             "request_timeout_s": None},
            "proxies": {},
            "applications": {
                "fraud_app": {
                    "name": "fraud_app", "route_prefix": "/fraud", "docs_path": None,
                    "status": "RUNNING", "message": "", "last_deployed_time_s": t_fraud,
                    "deployed_app_config": {
                        "name": "fraud_app", "route_prefix": "/fraud",
                        "import_path": "serve_apps.fraud:app",
                        "deployments": [{"name": "FraudModel", "num_replicas": 2,
                                         "user_config": fraud_cfg},
                                        {"name": "Preprocessor", "num_replicas": 1}]},
                    "deployments": {
                        "FraudModel": {
                            "name": "FraudModel", "status": "HEALTHY", "message": "",
                            "deployment_config": dep_config("FraudModel", 2, fraud_cfg,
                                                            {"num_cpus": 1.0}),
                            "replicas": [
                                replica("fraud_app", "FraudModel", "kQ3xZp", head,
                                        "4bb8479ad0c9e9087fee651901000000", 29892,
                                        t_fraud + 4.38),
                                replica("fraud_app", "FraudModel", "Wd81Qe", head,
                                        "4bb8479ad0c9e9087fee651a01000000", 29893,
                                        t_fraud + 4.41)]},
                        "Preprocessor": {
                            "name": "Preprocessor", "status": "HEALTHY", "message": "",
                            "deployment_config": dep_config("Preprocessor", 1, None,
                                                            {"num_cpus": 0.5}),
                            "replicas": [replica("fraud_app", "Preprocessor", "Lm9aTr", head,
                                                 "5cc9580be1dafa198fff762a01000000", 29894,
                                                 t_fraud + 4.02)]}}},
                "summarizer_app": {
                    "name": "summarizer_app", "route_prefix": "/summarize", "docs_path": None,
                    "status": "DEPLOYING", "message": "", "last_deployed_time_s": t_sum,
                    "deployed_app_config": {
                        "name": "summarizer_app", "route_prefix": "/summarize",
                        "import_path": "serve_apps.summarizer:app",
                        "deployments": [{"name": "Summarizer", "num_replicas": 1,
                                         "ray_actor_options": {"num_cpus": 1.0,
                                                               "num_gpus": 1.0}}]},
                    "deployments": {
                        "Summarizer": {
                            "name": "Summarizer", "status": "UPDATING",
                            "message": (
                                "Deployment 'Summarizer' in application 'summarizer_app' has "
                                "1 replicas that have taken more than 30s to be scheduled. "
                                "This may be due to waiting for the cluster to auto-scale or "
                                "for a runtime environment to be installed. Resources "
                                "required for each replica: {\"CPU\": 1.0, \"GPU\": 1.0}, "
                                "total resources available: {\"CPU\": 29.5}. Use `ray "
                                "status` for more details."),
                            "deployment_config": dep_config(
                                "Summarizer", 1, {"adapter": "models:/summarizer-lora/2"},
                                {"num_cpus": 1.0, "num_gpus": 1.0}),
                            "replicas": [replica("summarizer_app", "Summarizer", "pX2vNc", None,
                                                 "6dda691cf2ebab2a9000873b01000000", 0,
                                                 t_sum + 1.2, state="STARTING")]}}},
            }}
        for i, n in enumerate(x for x in c.nodes if x.alive):
            data["proxies"][n.node_id] = {
                "node_id": n.node_id, "node_ip": n.ip,
                "actor_id": "b7a16b8342e1ced620ae63%02x01000000" % (0x89 + i),
                "actor_name": "SERVE_CONTROLLER_ACTOR:SERVE_PROXY_ACTOR-" + n.node_id,
                "worker_id": random.Random(n.node_id).getrandbits(224).to_bytes(28,
                                                                                "big").hex(),
                "log_file_path": "/serve/proxy_%s.log" % n.ip, "status": "HEALTHY"}
        return self.out(data)

    # --- metrics ----------------------------------------------------------------------
    def h_metrics(self, req, m):
        only = req.arg("node")
        c = self.c
        fam = {}     # name -> list of (labels dict, value)
        order = []

        def add(name, labels, value):
            if name not in fam:
                fam[name] = []
                order.append(name)
            fam[name].append((labels, value))

        hostile = self.hostile
        hs = simcommon.hostile_str if hostile else (lambda s: s)
        with c.lock:
            c.refresh_jobs()
            for n in c.nodes:
                if not n.alive or (only and only != n.ip):
                    continue
                base = {"SessionName": SESSION_NAME, "Version": RAY_VERSION}
                nl = dict(base, ip=n.ip, IsHeadNode="true" if n.head else "false")
                cpu = min(100.0, c.jitter("cpu" + n.ip, n.cpu_pct, 0.03))
                add("ray_node_cpu_utilization", nl, round(cpu, 2))
                add("ray_node_cpu_count", nl, float(n.cpus[0]))
                used = n.mem_total * c.jitter("mem" + n.ip, n.mem_pct, 0.01) / 100.0
                add("ray_node_mem_used", nl, float(int(used)))
                add("ray_node_mem_available", nl, float(int(n.mem_total - used)))
                add("ray_node_mem_total", nl, float(n.mem_total))
                add("ray_node_mem_shared_bytes", nl, 1073741824.0)
                for g in n.gpus:
                    gl = dict(nl, GpuIndex=str(g["index"]), GpuDeviceName=g["name"])
                    add("ray_node_gpus_available", gl, 1.0)
                    add("ray_node_gpus_utilization", gl,
                        float(int(min(100, c.jitter("gu%s%d" % (n.ip, g["index"]),
                                                    g["util"], 0.04)))))
                    gu = float(g["mem_used"] + int(c.jitter("gm" + n.ip, 100, 0.5)))
                    add("ray_node_gram_used", gl, gu)
                    add("ray_node_gram_available", gl, float(g["mem_total"]) - gu)
                disk_used = c.grow("disk" + n.ip, 118734505984, 4096)
                add("ray_node_disk_usage", nl, float(int(disk_used)))
                add("ray_node_disk_free", nl, float(int(498897733632 - disk_used)))
                add("ray_node_disk_utilization_percentage", nl,
                    round(100.0 * disk_used / 498897733632, 2))
                add("ray_node_disk_io_read_speed", nl, round(c.jitter("drs" + n.ip, 1258291.2),
                                                             1))
                add("ray_node_disk_io_write_speed", nl,
                    round(c.jitter("dws" + n.ip, 3355443.2), 1))
                add("ray_node_network_sent", nl, float(int(c.grow("ns" + n.ip, 8742338000,
                                                                  524288))))
                add("ray_node_network_received", nl,
                    float(int(c.grow("nr" + n.ip, 12318721000, 786432))))
                add("ray_node_network_send_speed", nl, round(c.jitter("nss" + n.ip, 524288.0),
                                                             1))
                add("ray_node_network_receive_speed", nl,
                    round(c.jitter("nrs" + n.ip, 786432.0), 1))
                comps = [("raylet", str(n.raylet_pid), 2.1, 112.4),
                         ("agent", str(n.raylet_pid + 40), 0.8, 96.3)]
                if n.head:
                    comps.insert(1, ("gcs", "1187", 1.4, 205.9))
                if n.ip == "10.0.0.13":
                    comps.append(("ray::TrainWorker", "-", 97.0 * 4, 6140.2 * 4))
                if n.ip == "10.0.0.11":
                    comps.append(("ray::preprocess_batch", "-", 96.0 * 24, 812.5 * 24))
                    comps.append(("ray::BatchScorer", "-", 780.0, 9240.7))
                if n.head:
                    comps.append(("ray::ServeReplica:fraud_app:FraudModel", "-", 35.0, 1640.3))
                for comp, pid, cp, rss in comps:
                    cl = dict(base, ip=n.ip, Component=comp, pid=pid)
                    add("ray_component_cpu_percentage", cl, round(c.jitter("cc" + comp + n.ip,
                                                                           cp, 0.05), 1))
                    add("ray_component_rss_mb", cl, round(c.jitter("cr" + comp + n.ip, rss,
                                                                   0.01), 1))
                if n.head:
                    cb = dict(base)
                    for typ, v in (("head-group", 1.0), ("cpu-worker-group", 1.0),
                                   ("gpu-worker-group", 1.0)):
                        add("ray_cluster_active_nodes", dict(cb, node_type=typ), v)
                    add("ray_cluster_failed_nodes", dict(cb, node_type="cpu-worker-group"),
                        1.0)
                    add("ray_cluster_pending_nodes", dict(cb, node_type="gpu-worker-group"),
                        1.0)
                core = dict(base, Component="core_worker", NodeAddress=n.ip)
                wid = random.Random("w" + n.ip).getrandbits(224).to_bytes(28, "big").hex()
                counts = c.task_counts()
                if n.ip == "10.0.0.11":
                    sc = counts["preprocess_batch"][1]
                    for state, v, src, retry in (
                            ("FINISHED", sc["FINISHED"], "owner", "0"),
                            ("RUNNING", sc["RUNNING"], "executor", "0"),
                            ("PENDING_NODE_ASSIGNMENT", 40, "owner", "0"),
                            ("SUBMITTED_TO_WORKER", -3, "owner", "0"),
                            ("FAILED", 2, "owner", "1")):
                        add("ray_tasks", dict(core, IsRetry=retry, JobId="0a000000",
                                              Name=hs("preprocess_batch"), Source=src,
                                              State=state, WorkerId=wid), float(v))
                if n.ip == "10.0.0.13":
                    sc = counts["TrainWorker.train_epoch"][1]
                    add("ray_tasks", dict(core, IsRetry="0", JobId="09000000",
                                          Name=hs("TrainWorker.train_epoch"), Source="owner",
                                          State="FINISHED", WorkerId=wid),
                        float(sc["FINISHED"]))
                    add("ray_tasks", dict(core, IsRetry="0", JobId="09000000",
                                          Name=hs("TrainWorker.train_epoch"),
                                          Source="executor", State="RUNNING", WorkerId=wid),
                        4.0)
                for a in c.actors:
                    if a["node_id"] != n.node_id and not (a["node_id"] is None and n.head):
                        continue
                    if a["state"] == "DEAD":
                        continue
                    add("ray_actors", dict(core, JobId=a["job_id"],
                                           Name=hs(a["class_name"]),
                                           Source="executor" if a["state"] == "ALIVE"
                                           else "owner", State=a["state"],
                                           WorkerId=random.Random(a["actor_id"]).getrandbits(
                                               224).to_bytes(28, "big").hex()), 1.0)
                rl = dict(base, Component="raylet", NodeAddress=n.ip)
                u = c.node_used(n)
                for res, tot in n.resources.items():
                    if res.startswith("node:") or res.startswith("accelerator"):
                        continue
                    usedv = float(u.get(res, 0.0))
                    add("ray_resources", dict(rl, Name=res, State="AVAILABLE"), tot - usedv)
                    add("ray_resources", dict(rl, Name=res, State="USED"), usedv)
                osu = float(u.get("object_store_memory", 0.0))
                add("ray_object_store_memory", dict(rl, Location="MMAP_SHM",
                                                    ObjectState="SEALED"), osu * 0.9375)
                add("ray_object_store_memory", dict(rl, Location="MMAP_SHM",
                                                    ObjectState="UNSEALED"), osu * 0.0625)
                add("ray_object_store_memory", dict(rl, Location="SPILLED"), 0.0)
                add("ray_object_store_memory", dict(rl, Location="WORKER_HEAP"), 524288.0)
                add("ray_object_store_available_memory", rl,
                    n.resources["object_store_memory"] - osu)
                if n.ip == "10.0.0.11":
                    add("ray_memory_manager_worker_eviction_total",
                        dict(rl, Name=hs("preprocess_batch"),
                             Type="MemoryManager.TaskEviction.Total"), 2.0)
                if n.head:
                    self._serve_metrics(add, base, hs)
        lines = []
        for name in order:
            meta = self.metric_meta.get(name, {})
            typ = meta.get("type", "gauge")
            lines.append("# HELP %s %s" % (name, meta.get("help", name)))
            lines.append("# TYPE %s %s" % (name, typ))
            for labels, value in fam[name]:
                if isinstance(labels, tuple):      # histogram sample (suffix, labels)
                    suffix, labels = labels
                else:
                    suffix = ""
                lines.append("%s%s{%s} %s" % (name, suffix, ",".join(
                    '%s="%s"' % (k, esc_label(labels[k])) for k in sorted(labels)),
                    fmt_value(value)))
        return Response(200, "\n".join(lines) + "\n", PROM_CT)

    def _serve_metrics(self, add, base, hs):
        c = self.c
        app = hs("fraud_app")
        reps = [("FraudModel", "fraud_app#FraudModel#kQ3xZp"),
                ("FraudModel", "fraud_app#FraudModel#Wd81Qe"),
                ("Preprocessor", "fraud_app#Preprocessor#Lm9aTr")]
        for dep, rep in reps:
            add("ray_serve_deployment_replica_healthy",
                dict(base, application=app, deployment=dep, replica=rep), 1.0)
        ok = int(c.grow("req200", 18231, 12.5))
        err = int(c.grow("req500", 14, 0.01))
        add("ray_serve_num_http_requests_total", dict(base, application=app, method="POST",
                                                      route="/fraud", status_code="200"),
            float(ok))
        add("ray_serve_num_http_requests_total", dict(base, application=app, method="POST",
                                                      route="/fraud", status_code="500"),
            float(err))
        add("ray_serve_num_http_error_requests_total",
            dict(base, application=app, error_code="500", method="POST", route="/fraud"),
            float(err))
        for dep, rep in reps[:2]:
            share = 0.5
            rl = dict(base, application=app, deployment=dep, replica=rep, route="/fraud")
            add("ray_serve_deployment_request_counter_total", rl, float(int((ok + err) *
                                                                            share)))
            add("ray_serve_deployment_error_counter_total", rl, float(int(err * share)))
        for dep, rep in reps[:2]:
            add("ray_serve_replica_processing_queries",
                dict(base, application=app, deployment=dep, replica=rep),
                float(int(c.jitter("pq" + rep, 3, 0.6))))
        add("ray_serve_deployment_queued_queries",
            dict(base, application=app, deployment="FraudModel", route="/fraud"), 0.0)
        total = float(int((ok + err) * 0.5))
        rl = dict(base, application=app, deployment="FraudModel",
                  replica="fraud_app#FraudModel#kQ3xZp", route="/fraud")
        for le, frac in (("1.0", 0.0), ("5.0", 0.121), ("10.0", 0.541), ("50.0", 0.984),
                         ("100.0", 0.9976), ("500.0", 0.9997), ("+Inf", 1.0)):
            add("ray_serve_deployment_processing_latency_ms",
                ("_bucket", dict(rl, le=le)), float(int(total * frac)))
        add("ray_serve_deployment_processing_latency_ms", ("_sum", rl), round(total * 10.38, 1))
        add("ray_serve_deployment_processing_latency_ms", ("_count", rl), total)


def esc_label(v):
    return str(v).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")


def fmt_value(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(v)


def main(argv=None):
    parser = simcommon.common_parser("Ray 2.x dashboard simulator")
    parser.add_argument("--big-cluster", metavar="NODES,ACTORS",
                        help="grow the seeded cluster to NODES nodes and ACTORS actors (bench)")
    args = parser.parse_args(argv)
    return simcommon.serve(RayApp(args), args)


if __name__ == "__main__":
    sys.exit(main())
