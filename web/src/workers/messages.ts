// The Workers page's labels and the run history's Worker column, in English and Korean.
export const workersEn = {
  "nav.workers": "Workers",
  "workers.title": "Workers",
  "workers.intro":
    "Queue mode: the intake worker processes that take the connectors' runs. " +
    "A worker with no heartbeat for {seconds} seconds is lost; its runs are taken over by the others.",
  "workers.empty":
    "No worker has registered. In queue mode, start one with intake worker; in embedded mode intake serve runs every connector itself.",
  "workers.col.host": "Host",
  "workers.col.pid": "PID",
  "workers.col.concurrency": "Concurrency",
  "workers.col.started": "Started",
  "workers.col.heartbeat": "Last heartbeat",
  "workers.col.runs": "Runs under way",
  "workers.col.state": "State",
  "workers.state.alive": "alive",
  "workers.state.stopped": "stopped",
  "workers.state.lost": "lost",
  "runs.col.worker": "Worker",
  "runs.worker.none": "not a worker",
  "runs.worker.gone": "worker {id}",
  "runs.worker.at": "{host} · PID {pid}",
  "runs.ofConnector": "Run history of {connector}",
  "runs.all": "All runs",
  "connectors.runHistory": "Run history",
} as const;

export const workersKo: Record<keyof typeof workersEn, string> = {
  "nav.workers": "워커",
  "workers.title": "워커",
  "workers.intro":
    "큐 모드: 커넥터 실행을 가져가는 intake worker 프로세스입니다. {seconds}초 동안 하트비트가 없는 워커는 유실로 표시되고, 그 실행은 다른 워커가 이어받습니다.",
  "workers.empty":
    "등록된 워커가 없습니다. 큐 모드에서는 intake worker로 워커를 시작하고, 내장 모드에서는 intake serve가 모든 커넥터를 직접 실행합니다.",
  "workers.col.host": "호스트",
  "workers.col.pid": "PID",
  "workers.col.concurrency": "동시 실행 수",
  "workers.col.started": "시작",
  "workers.col.heartbeat": "마지막 하트비트",
  "workers.col.runs": "진행 중인 실행",
  "workers.col.state": "상태",
  "workers.state.alive": "활성",
  "workers.state.stopped": "중지됨",
  "workers.state.lost": "유실",
  "runs.col.worker": "워커",
  "runs.worker.none": "워커 아님",
  "runs.worker.gone": "워커 {id}",
  "runs.worker.at": "{host} · PID {pid}",
  "runs.ofConnector": "{connector}의 실행 기록",
  "runs.all": "전체 실행 기록",
  "connectors.runHistory": "실행 기록",
};
