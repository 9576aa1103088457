/**
 * The Python side of the sandbox, installed once in each warm interpreter (worker.ts) before any
 * user code exists. `_sandbox_run(request_json)` replays one run and returns its outcome as JSON.
 *
 * - Each client tool is an `async def name(*args, **kwargs)` in a fresh namespace; a call parks a
 *   future and is collected into the current batch.
 * - A custom event loop whose selector is the only place time passes: with work ready it runs it,
 *   with timers it advances the virtual clock to the next one, and when everything is blocked
 *   (`select(None)`) the pending calls are one batch: answered from the log (after checking they
 *   match it) or the run pauses on them.
 * - stdout and stderr are bounded writers; determinism comes from a seeded `random`, a fixed hash
 *   seed and the virtual clock the worker installs in JavaScript.
 * - The lockdown removes every route to JavaScript this interpreter offers (see worker.ts for the
 *   JavaScript side, which is the boundary; this is depth).
 *
 * Kept as a string so the build (tsc) ships it without a copy step.
 */
export const harnessPython = String.raw`
import asyncio, asyncio.base_events, asyncio.events, ast, builtins, gc, inspect, json, random, sys, time, traceback, warnings

class ToolError(Exception):
    """A client tool answered with is_error: the message is its content."""

class _Pause(BaseException):
    pass

class _Diverged(BaseException):
    pass

class _Deadlock(BaseException):
    pass

class _TooLarge(BaseException):
    pass

class _Writer:
    """A text stream that keeps at most limit UTF-8 bytes and counts the rest."""
    def __init__(self, limit):
        self.limit = limit
        self.parts = []
        self.kept = 0
        self.total = 0
    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not " + type(text).__name__)
        data = text.encode("utf-8", "replace")
        self.total += len(data)
        room = self.limit - self.kept
        if room > 0:
            piece = data[:room]
            self.parts.append(piece)
            self.kept += len(piece)
        return len(text)
    def flush(self):
        pass
    def isatty(self):
        return False
    def writable(self):
        return True
    def text(self):
        out = b"".join(self.parts).decode("utf-8", "ignore")
        if self.total > self.kept:
            out += "\n[output truncated: " + str(self.total) + " bytes written, the first " + str(self.kept) + " kept]\n"
        return out

class _Call:
    __slots__ = ("name", "input", "future")
    def __init__(self, name, input, future):
        self.name = name
        self.input = input
        self.future = future

def _canonical(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

class _State:
    def __init__(self, request):
        self.batches = request["batches"]
        self.max_input = request["maxOutputBytes"]
        self.answered = 0
        self.pending = []
        self.paused = None
        self.failure = None

    def issue(self, name, input):
        try:
            text = json.dumps(input, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise TypeError("the arguments of " + name + "() must be JSON values: " + str(error)) from None
        if len(text.encode("utf-8")) > self.max_input:
            self.failure = ("output_too_large", "the input of a call to " + name + " is larger than " + str(self.max_input) + " bytes")
            raise _TooLarge()
        future = asyncio.get_running_loop().create_future()
        self.pending.append(_Call(name, json.loads(text), future))
        return future

    def on_idle(self):
        calls = [call for call in self.pending if not call.future.done()]
        self.pending = []
        if not calls:
            raise _Deadlock()
        if self.answered >= len(self.batches):
            self.paused = [{"index": i, "name": c.name, "input": c.input} for i, c in enumerate(calls)]
            raise _Pause()
        logged = self.batches[self.answered]
        self.answered += 1
        problem = _mismatch(calls, logged["calls"])
        if problem is not None:
            self.failure = ("replay_diverged", "batch " + str(self.answered) + ": " + problem)
            raise _Diverged()
        for call, result in zip(calls, logged["results"]):
            if result["isError"]:
                call.future.set_exception(ToolError(result["content"]))
            else:
                call.future.set_result(result["content"])

def _mismatch(calls, logged):
    if len(calls) != len(logged):
        return "the code made " + str(len(calls)) + " calls where the log has " + str(len(logged))
    for index, (call, entry) in enumerate(zip(calls, logged)):
        if call.name != entry["name"]:
            return "call " + str(index) + " is " + call.name + " where the log has " + entry["name"]
        if _canonical(call.input) != _canonical(entry["input"]):
            return "call " + str(index) + " to " + call.name + " has other arguments than the log"
    return None

_state = None

class _Selector:
    def __init__(self, loop):
        self.loop = loop
    def select(self, timeout):
        if timeout is None:
            _state.on_idle()
        elif timeout > 0:
            self.loop._virtual_time += timeout
        return []

class _Loop(asyncio.base_events.BaseEventLoop):
    """An event loop with no I/O: time is virtual and idleness means a batch of tool calls."""
    def __init__(self):
        super().__init__()
        self._virtual_time = 0.0
        self._selector = _Selector(self)
    def time(self):
        return self._virtual_time
    def _process_events(self, event_list):
        pass
    def _write_to_self(self):
        pass
    def close(self):
        self._selector = _Selector(self)
        super().close()

_PolicyBase = getattr(asyncio.events, "_BaseDefaultEventLoopPolicy", None) or getattr(asyncio.events, "BaseDefaultEventLoopPolicy")

class _Policy(_PolicyBase):
    _loop_factory = _Loop

def _tool(name, parameters):
    async def call(*args, **kwargs):
        if args and len(args) == 1 and not kwargs and isinstance(args[0], dict) and (not parameters or set(args[0]) <= set(parameters)):
            input = dict(args[0])
        else:
            if len(args) > len(parameters):
                raise TypeError(name + "() takes " + str(len(parameters)) + " positional arguments but " + str(len(args)) + " were given")
            input = dict(zip(parameters, args))
            for key, value in kwargs.items():
                if key in input:
                    raise TypeError(name + "() got multiple values for argument " + repr(key))
                input[key] = value
        return await _state.issue(name, input)
    call.__name__ = name
    call.__qualname__ = name
    call.__doc__ = "Calls the client tool " + name + "; returns its result as a string, raises ToolError if it failed."
    return call

def _user_traceback(error):
    frames = traceback.extract_tb(error.__traceback__)
    start = next((i for i, frame in enumerate(frames) if frame.filename == "<code>"), 0)
    kept = [frame for frame in frames[start:] if frame.filename != "<sandbox>"]
    lines = ["Traceback (most recent call last):\n"] if kept else []
    lines += traceback.format_list(kept)
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines)

def _execute(request, stdout, stderr):
    global _state
    _state = _State(request)
    random.seed(request["seed"])
    namespace = {"__name__": "__main__", "__builtins__": builtins, "ToolError": ToolError, "asyncio": asyncio}
    parameters = request.get("toolParameters") or {}
    for name in request["tools"]:
        namespace[name] = _tool(name, list(parameters.get(name, [])))
    asyncio.events._set_running_loop(None)
    loop = _Loop()
    asyncio.set_event_loop(loop)
    sys.stdout, sys.stderr = stdout, stderr
    return_code = 0
    try:
        try:
            code = compile(request["code"], "<code>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
            result = eval(code, namespace)
            if inspect.iscoroutine(result):
                loop.run_until_complete(result)
        except SystemExit as error:
            if error.code is None:
                return_code = 0
            elif isinstance(error.code, int):
                return_code = error.code
            else:
                stderr.write(str(error.code) + "\n")
                return_code = 1
        except (_Pause, _Diverged, _TooLarge):
            pass
        except _Deadlock:
            stderr.write("RuntimeError: the code waits for something that never happens (every task is blocked and no tool call is pending)\n")
            return_code = 1
        except BaseException as error:
            if _state.paused is None and _state.failure is None:
                stderr.write(_user_traceback(error))
                return_code = 1
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    return return_code

def _sandbox_run(request_json):
    request = json.loads(request_json)
    stdout = _Writer(request["maxOutputBytes"])
    stderr = _Writer(request["maxOutputBytes"])
    return_code = _execute(request, stdout, stderr)
    if _state.failure is not None:
        return json.dumps({"kind": "error", "errorCode": _state.failure[0], "message": _state.failure[1]})
    if _state.paused is not None:
        return json.dumps({"kind": "calls", "calls": _state.paused})
    return json.dumps({"kind": "done", "stdout": stdout.text(), "stderr": stderr.text(), "returnCode": return_code})

def _asyncio_run(main, *, debug=None, loop_factory=None):
    """asyncio.run on the sandbox's loop (Pyodide's own replaces it with one for the browser)."""
    with asyncio.Runner(debug=debug, loop_factory=_Loop) as runner:
        return runner.run(main)

def _sleep(seconds):
    if not isinstance(seconds, (int, float)):
        raise TypeError("an integer or float is required")
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")

_blocked_prefixes = ("js", "pyodide", "pyodide_js", "_pyodide", "_pyodide_core", "ctypes", "_ctypes", "micropip", "_testcapi", "_testinternalcapi", "_testbuffer", "_testsinglephase", "_testmultiphase", "_testlimitedcapi", "_testimportmultiple", "_testexternalinspection", "_remote_debugging", "_xxtestfuzz", "pyodide_http", "_sandbox")

def _blocked(name):
    return any(name == prefix or name.startswith(prefix + ".") for prefix in _blocked_prefixes)

class _BlockingFinder:
    """First on sys.meta_path: modules that lead to JavaScript or raw memory cannot be imported."""
    @staticmethod
    def find_spec(name, path=None, target=None):
        if _blocked(name):
            raise ModuleNotFoundError("No module named " + repr(name) + " (not available in this sandbox)", name=name)
        return None
    @staticmethod
    def invalidate_caches():
        pass

def _lockdown():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        asyncio.set_event_loop_policy(_Policy())
    time.sleep = _sleep
    asyncio.run = _asyncio_run
    sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__module__.split(".")[0] not in ("_pyodide", "pyodide")]
    sys.meta_path.insert(0, _BlockingFinder)
    for name in list(sys.modules):
        if _blocked(name):
            del sys.modules[name]
    sys.path_importer_cache.clear()
    gc.collect()
`;
