# tracelens tracer worker: embedded in the tracelens binary and run by real CPython.
#
# Protocol (see src/trace/worker.rs): the parent writes one TraceRequest as a JSON line on
# stdin; the worker answers with one JSON status line followed by `n` payload bytes. The
# payload is a list of records, one per line, each a tag byte and a JSON document:
#   S<step>        a step (docs/ARCHITECTURE.md 2.1) as a JSON array, cheaper to build than an object:
#                  [event, line, func, depth, [name, repr, type, name, ...], stdout,
#                   [value repr, value type] or null]
#   O<string>      text the program wrote to stdout, in write order
#   E<string>      text the program wrote to stderr
#   F<outcome>     how the run ended (absent when the child was killed or died)
# Each request runs in a forked child that writes its records into a shared memory block,
# so a child killed at its timeout still leaves every record it finished. A pure program (see
# `is_pure`) may run in a child that served pure programs before and was found clean after
# each (see `Child.clean`); any other program gets a freshly forked child of its own.
import atexit
import builtins
import collections
import enum
import gc
import io
import json
import linecache
import mmap
import opcode
import operator
import os
import re
import resource
import select
import signal
import struct
import sys
import time
import traceback
import types
from operator import is_

# The tracer's own builtins. A program may rebind or delete a name in `builtins` (say
# `builtins.len = None`): that must change what the program sees, never the tracer. Every
# function below is made after this line, so it looks names up in this copy.
__builtins__ = dict(builtins.__dict__)


def import_without_fork_hook(name):
    """Import a module without the at-fork hook it registers. `random` reseeds itself from
    os.urandom in every forked child: that costs each trace and undoes the fixed seed. The
    worker seeds it once instead, and every child inherits that state."""
    register = os.register_at_fork
    os.register_at_fork = lambda **hooks: None
    try:
        return __import__(name)
    finally:
        os.register_at_fork = register


random = import_without_fork_hook("random")

FNAME = "<tracelens>"
FOLDED = frozenset({"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>", "<lambda>"})
HIDDEN = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)
SHM_SIZE = 96 << 20
KILL_GRACE_MS = 100
BIG_INT_BITS = 14000
# The instructions a frame leaves by without an exception (a `yield` suspends it).
RETURNS = frozenset(opcode.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST", "YIELD_VALUE")
                    if name in opcode.opmap)
REAL_EXIT = os._exit
REAL_SETTRACE = sys.settrace
REAL_GETTRACE = sys.gettrace
REAL_SETPROFILE = sys.setprofile
REAL_SETLIMIT = sys.setrecursionlimit
# Frames the tracer may stack above the program's deepest one (its trace functions, the
# rendering of nested values, stdout writes).
HEADROOM = 300
ESC = json.encoder.encode_basestring
STEP_RECORD = 'S["%s",%d,%s,%d,[%s],%s,%s]\n'
OUTCOME_JSON = '{"kind":"%s","message":%s,"line":%s}'
DUMPS = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":")).encode


def cut(text, max_repr):
    return text[:max_repr] + "..." if len(text) > max_repr else text


def big_int_repr(v, budget):
    """The first digits of a huge int, computed without converting all of it."""
    sign = "-" if v < 0 else ""
    v = abs(v)
    digits = int(v.bit_length() * 0.30102999566398120) + 1
    keep = budget + 10
    head = v // (10 ** (digits - keep))
    while head >= 10 ** keep:
        head //= 10
    return sign + str(head)


def text_repr(v, budget):
    """repr() of a str, bytes or bytearray's bytes, or a prefix of it at least `budget` long."""
    if len(v) <= 4 * budget + 8:
        return repr(v if type(v) is not bytearray else bytes(v))
    quote, other = ("'", '"') if type(v) is str else (b"'", b'"')
    head = v[: budget + 1] if type(v) is not bytearray else bytes(v[: budget + 1])
    if (quote in v and other not in v) == (quote in head and other not in head):
        return repr(head)[:-1]
    return repr(v if type(v) is not bytearray else bytes(v))


# --- rendering values without running the program's code --------------------------------
#
# The rule (README "Ground truth: traces"): built-in types get Python's exact repr, or an
# exact prefix of it. Nothing the program defined ever runs: an instance of a class the
# program defined (`__module__ == "__main__"`) is rendered from its type name and the slots
# and instance dictionary read through the C descriptors (`Probe(n=3)`), whatever
# `__repr__`, `__str__`, properties or `__getattr__` it has; a subclass of a built-in
# container or scalar is rendered as its built-in base inside the class name
# (`Counter({'a': 2})`, `Stack([1, 2])`, `Meters(3.5)`), a named tuple as `P(x=1, y=2)`, an
# exception as `Name(args)`, a member of the program's enum as `<Color.RED: 1>`. Everything
# is rendered element by element with the same budget and cycle handling as the built-in
# containers. Other library objects keep their own repr, except the ones that would render
# the program's objects through it (bound methods, deques, slices, dict views, namespaces).
# Attributes are read with the C descriptors of `type` and of the object's own classes, so
# no metaclass or class hook runs either.

OPENERS = {list: ("[", "]"), tuple: ("(", ")"), set: ("{", "}"),
           frozenset: ("frozenset({", "})"), dict: ("{", "}")}
EMPTY = {list: "[]", tuple: "()", dict: "{}", set: "set()", frozenset: "frozenset()"}
TYPE_MRO = type.__dict__["__mro__"].__get__
TYPE_DICT = type.__dict__["__dict__"].__get__
TYPE_NAME = type.__dict__["__name__"].__get__
TYPE_QUALNAME = type.__dict__["__qualname__"].__get__
TYPE_MODULE = type.__dict__["__module__"].__get__
EXC_ARGS = BaseException.__dict__["args"].__get__
FUNC_QUALNAME = types.FunctionType.__dict__["__qualname__"].__get__
METHOD_FUNC = types.MethodType.__dict__["__func__"].__get__
METHOD_SELF = types.MethodType.__dict__["__self__"].__get__
SLICE_PARTS = tuple(slice.__dict__[n].__get__ for n in ("start", "stop", "step"))
DEQUE_MAXLEN = collections.deque.__dict__["maxlen"].__get__
DEFAULT_FACTORY = collections.defaultdict.__dict__["default_factory"].__get__
ODICT_ITEMS = collections.OrderedDict.items
DICT_ITEMS = dict.items
ALL = slice(None)
# Types whose repr never reaches another object (besides the exact containers and strings).
LEAVES = frozenset({float, bool, type(None), complex, range, type(Ellipsis),
                    type(NotImplemented), types.FunctionType, types.BuiltinFunctionType,
                    types.CodeType, type})
# A built-in base of a subclass, and how to get an exact copy of a scalar one.
SCALAR_COPY = {int: int.__pos__, float: float.__pos__, complex: complex.__pos__,
               str: str.__str__, bytes: lambda b: bytes.__getitem__(b, ALL),
               bytearray: lambda b: bytearray.__getitem__(b, ALL)}
ITERATE = {list: list.__iter__, tuple: tuple.__iter__, set: set.__iter__,
           frozenset: frozenset.__iter__}
BUILTIN_BASES = frozenset(SCALAR_COPY) | frozenset(OPENERS)
DICT_VIEWS = frozenset({type({}.keys()), type({}.values()), type({}.items()),
                        type(collections.OrderedDict().keys()),
                        type(collections.OrderedDict().values()),
                        type(collections.OrderedDict().items())})
# How a type's values are rendered (see `kind_of`).
REPR, FIELDS, ENUM, EXCEPTION, CLASS, NAMED, BASE, DEQUE, METHOD, SLICE, VIEW = range(11)
# kind_of's answers, by type id; each entry holds its type, so the id cannot be reused.
KINDS = {}


def one_of(mro, cls):
    """`cls in mro`, compared by identity (a metaclass may define __eq__)."""
    for c in mro:
        if c is cls:
            return True
    return False


def defined_by_program(c):
    module = TYPE_DICT(c).get("__module__")
    return type(module) is str and module == "__main__"


def kind_of(t):
    """(kind, data) telling how values of type `t` are rendered; cached per type."""
    entry = KINDS.get(id(t))
    if entry is not None and entry[0] is t:
        return entry[1]
    kind = find_kind(t)
    KINDS[id(t)] = (t, kind)
    return kind


def find_kind(t):
    mro = TYPE_MRO(t)
    ours = any(map(defined_by_program, mro))
    base = next((c for c in mro if type(c) is type and c in BUILTIN_BASES), None)
    if issubclass(t, BaseException):
        return EXCEPTION, None
    if ours and issubclass(type(t), enum.EnumMeta):
        return ENUM, instance_dict(mro)
    if ours and issubclass(t, type):
        return CLASS, None
    if base is tuple:
        for c in mro:
            fields = TYPE_DICT(c).get("_fields")
            if type(fields) is tuple and all(type(f) is str for f in fields):
                return NAMED, fields
    if one_of(mro, collections.deque):
        return DEQUE, None
    if base is not None and (ours or one_of(mro, collections.Counter)
                             or one_of(mro, collections.OrderedDict)
                             or one_of(mro, collections.defaultdict)):
        return BASE, base
    if ours or one_of(mro, types.SimpleNamespace):
        return FIELDS, (instance_dict(mro), slot_members(mro))
    if t is types.MethodType:
        return METHOD, None
    if t is slice:
        return SLICE, None
    if type(t) is type and t in DICT_VIEWS:
        return VIEW, None
    return REPR, None


def instance_dict(mro):
    """The C getter of the instances' `__dict__`, or None (no dict, or a class replaced it)."""
    for c in mro:
        getter = TYPE_DICT(c).get("__dict__")
        if getter is not None:
            kind = type(getter)
            if kind is types.GetSetDescriptorType or kind is types.MemberDescriptorType:
                return getter.__get__  # C code: a class's own, or a namespace's member
            return None
    return None


def slot_members(mro):
    """(name, C getter) of every slot, base classes first, each class's in the order of its
    `__slots__`."""
    members = []
    for c in reversed(mro):
        names = TYPE_DICT(c)
        slots = names.get("__slots__")
        if type(slots) is str:
            slots = (slots,)
        if type(slots) is not tuple and type(slots) is not list:
            continue
        for name in slots:
            if type(name) is not str:
                continue
            key = name
            if name[:2] == "__" and name[-2:] != "__":  # a private name, mangled
                key = "_" + TYPE_NAME(c).lstrip("_") + name
            member = names.get(key)
            if type(member) is types.MemberDescriptorType:
                members.append((name, member.__get__))
    return members


def field_items(v, data):
    getter, members = data
    for name, get in members:
        try:
            yield name, get(v)
        except AttributeError:
            pass  # an unset slot
    if getter is not None:
        d = getter(v)
        if type(d) is dict:
            yield from DICT_ITEMS(d)


def key_text(key, budget, active):
    return prefix_repr(key, budget, active) + ": "


def field_text(name, budget, active):
    return (name if type(name) is str else prefix_repr(name, budget, active)) + "="


def items_repr(opener, items, closer, budget, active, keys=None):
    """opener, the items' reprs joined by ", ", closer; or a prefix of that at least `budget`
    long. With `keys`, each item is a pair shown as keys(key) followed by the value."""
    parts = [opener]
    size = len(opener)
    first = True
    for item in items:
        if first:
            first = False
        else:
            parts.append(", ")
            size += 2
        if keys is not None:
            text = keys(item[0], budget - size, active)
            parts.append(text)
            size += len(text)
            if size >= budget:
                return "".join(parts)
            item = item[1]
        text = prefix_repr(item, budget - size, active)
        parts.append(text)
        size += len(text)
        if size >= budget:
            return "".join(parts)
    parts.append(closer)
    return "".join(parts)


def prefix_repr(v, budget, active):
    """repr(v), or an exact prefix of it at least `budget` characters long, for a built-in
    value; the rendering described above for any other.

    Containers are rendered element by element and stop once past the budget, so a huge list
    (or a list of huge strings) costs no more than its first few hundred characters.
    """
    budget = max(budget, 1)
    t = type(v)
    if t is int:
        return big_int_repr(v, budget) if v.bit_length() > BIG_INT_BITS else repr(v)
    if t is str or t is bytes:
        return text_repr(v, budget)
    if t is bytearray:
        return repr(v) if len(v) <= 4 * budget + 8 else "bytearray(" + text_repr(v, budget)
    if type(t) is not type:  # a metaclass may define __hash__: no set lookups
        return other_repr(v, t, budget, active)
    if t in LEAVES:
        return repr(v)
    if t in OPENERS:
        if not v:
            return EMPTY[t]
        if id(v) in active:
            return "[...]" if t is list else "{...}"
        active.add(id(v))
        try:
            if t is dict:
                return items_repr("{", v.items(), "}", budget, active, key_text)
            opener, closer = OPENERS[t]
            if t is tuple and len(v) == 1:
                closer = ",)"
            return items_repr(opener, v, closer, budget, active)
        finally:
            active.discard(id(v))
    return other_repr(v, t, budget, active)


def other_repr(v, t, budget, active):
    kind, data = kind_of(t)
    if kind == REPR:
        return repr(v)
    name = TYPE_NAME(t)
    if id(v) in active:
        return name + "(...)"
    active.add(id(v))
    try:
        return render_kind(v, kind, data, name, budget, active)
    finally:
        active.discard(id(v))


def render_kind(v, kind, data, name, budget, active):
    if kind == FIELDS:
        if type(v) is types.SimpleNamespace:
            name = "namespace"
        return items_repr(name + "(", field_items(v, data), ")", budget, active, field_text)
    if kind == EXCEPTION:
        args = EXC_ARGS(v)
        if len(args) == 1:
            return items_repr(name + "(", args, ")", budget, active)
        return name + prefix_repr(args, budget - len(name), active)
    if kind == NAMED:
        return items_repr(name + "(", zip(data, tuple.__iter__(v)), ")", budget, active,
                          field_text)
    if kind == BASE:
        return base_repr(v, data, name, budget, active)
    if kind == ENUM:
        d = data(v) if data is not None else {}
        member = d.get("_name_")
        head = "<%s.%s: " % (name, member) if type(member) is str else "<%s: " % name
        return head + prefix_repr(d.get("_value_"), budget - len(head), active) + ">"
    if kind == CLASS:
        module = TYPE_MODULE(v)
        qualname = TYPE_QUALNAME(v)
        if type(module) is str and module != "builtins":
            return "<class '%s.%s'>" % (module, qualname)
        return "<class '%s'>" % qualname
    if kind == DEQUE:
        text = items_repr(name + "([", collections.deque.__iter__(v), "]", budget, active)
        maxlen = DEQUE_MAXLEN(v)
        return text + (")" if maxlen is None else ", maxlen=%d)" % maxlen)
    if kind == METHOD:
        func = METHOD_FUNC(v)
        qualname = FUNC_QUALNAME(func) if type(func) is types.FunctionType else "?"
        head = "<bound method %s of " % qualname
        return head + prefix_repr(METHOD_SELF(v), budget - len(head), active) + ">"
    if kind == SLICE:
        return items_repr("slice(", (get(v) for get in SLICE_PARTS), ")", budget, active)
    # VIEW: a dict's keys, values or items
    return items_repr(name + "([", iter(v), "])", budget, active)


def base_repr(v, base, name, budget, active):
    """A subclass of a built-in type: its built-in value inside the class name."""
    if base in SCALAR_COPY:
        return name + "(" + prefix_repr(SCALAR_COPY[base](v), budget - len(name) - 1, active) + ")"
    mro = TYPE_MRO(type(v))
    if base is dict:
        if one_of(mro, collections.defaultdict):
            factory = DEFAULT_FACTORY(v)
            head = name + "(" + ("None" if factory is None else
                                 prefix_repr(factory, budget - len(name), active)) + ", "
            return head + items_repr("{", DICT_ITEMS(v), "})", budget - len(head), active,
                                     key_text)
        if one_of(mro, collections.OrderedDict):
            if not dict.__len__(v):
                return name + "()"
            if sys.version_info < (3, 12):
                return items_repr(name + "([", ODICT_ITEMS(v), "])", budget, active)
            return items_repr(name + "({", ODICT_ITEMS(v), "})", budget, active, key_text)
        if not dict.__len__(v):
            return name + ("()" if one_of(mro, collections.Counter) else "({})")
        return items_repr(name + "({", DICT_ITEMS(v), "})", budget, active, key_text)
    if base is set or base is frozenset:
        if not base.__len__(v):
            return name + "()"
        return items_repr(name + "({", ITERATE[base](v), "})", budget, active)
    opener, closer = OPENERS[base]
    if base is tuple and tuple.__len__(v) == 1:
        closer = ",)"
    return items_repr(name + "(" + opener, ITERATE[base](v), closer + ")", budget, active)


# The fast paths below test a value's own type by identity: looking it up in a set would run
# its metaclass's __hash__, and an identity test is cheaper than a guard against that. `flat`
# does look the types of a small container's items up in a set (a metaclass's own __hash__ on
# one of them would run there): by identity (their ids in a set), it made a trace of
# samples/bubble_sort.py 3.6% dearer.
NONE = type(None)
FLAT = frozenset({int, float, bool, NONE, complex})
FLAT_OR_STR = FLAT | {str}
STR = frozenset({str})
IS_STR = str.__instancecheck__
SMALL_CONTAINER = 32


def flat(values):
    """True when every value is a number or a short string (so repr() in C is cheap).
    Checked with C-level iteration: this runs for small containers at every step."""
    kinds = set(map(type, values))
    if kinds <= FLAT:
        return True
    if kinds == STR:  # no filter; and when the lengths add up to less, none is longer
        return sum(map(len, values)) < 256 or max(map(len, values)) < 256
    return kinds <= FLAT_OR_STR and max(map(len, filter(IS_STR, values))) < 256


def safe_repr(v, max_repr):
    """repr(v) cut to max_repr (+ '...'); `<unrepresentable TYPE>` when repr raises."""
    t = type(v)
    try:
        # Fast paths, all in C: scalars, short strings, small flat containers.
        if (t is int or t is float or t is bool or t is NONE or t is complex
                or (t is str and len(v) <= max_repr)):
            return cut(repr(v), max_repr)
        if ((t is list or t is tuple or t is dict or t is set or t is frozenset)
                and len(v) <= SMALL_CONTAINER and flat(v) and (t is not dict or flat(v.values()))):
            return cut(repr(v), max_repr)
    except BaseException:
        pass  # e.g. an int too long for str(): the careful path below handles it
    try:
        return cut(prefix_repr(v, max_repr + 1, set()), max_repr)
    except BaseException:
        return "<unrepresentable " + TYPE_NAME(t) + ">"


# The words that make a program impure. Each is, or may be, an identifier that reaches past
# the program's own objects: `import`; anything with `__` (`__builtins__`, `__class__`,
# `__globals__`, `__dict__`, `__import__`, dunder methods such as `__del__`); the builtins that
# reach globals, attributes by name, code, files or the process; `id` and `hash` (object
# identities differ in a reused child); `type` (it makes classes from strings); `format` and
# `format_map` (their fields read attributes by name); attributes that reach frames and code
# (`gi_frame`, `f_globals`, `tb_frame`, `co_code` ... by prefix: FRAME_ATTRIBUTE).
IMPURE_WORDS = frozenset(
    b"import globals vars locals getattr setattr delattr hasattr eval exec compile open"
    b" breakpoint exit quit help memoryview id hash input type format format_map".split())
SUSPENDS = frozenset((b"yield", b"await"))
CLEANS_UP = frozenset((b"try", b"with"))
# Each byte that cannot be part of an identifier made a space: the words of an ASCII text
# are then the fields of the result (its maximal runs of letters, digits and `_`).
WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
SPACE_OUT = bytes(b if b in WORD_BYTES else 0x20 for b in range(256))
# In such a text (with a space ahead of it): a word that begins with `f_`, `gi_`, `cr_`, `ag_`,
# `tb_` or `co_` and goes on. The pattern begins with the `_` so that the search skips
# straight from one `_` to the next.
FRAME_ATTRIBUTE = re.compile(rb"_[^ ](?:" + b"|".join(
    rb"(?<= " + prefix + rb"_.)" for prefix in (b"f", b"gi", b"cr", b"ag", b"tb", b"co")) + b")")


def is_pure(source):
    """True when the program cannot reach anything outside its own objects, so running it
    leaves a child as clean as it found it. Decided on the text, before compiling, and
    conservatively: a word counts wherever it appears (strings and comments included).

    A pure program is ASCII (so its identifiers are exactly the words of its text: Python
    folds other characters, e.g. `ｏｐｅｎ` is `open`), has no `__`, none of IMPURE_WORDS
    and no FRAME_ATTRIBUTE, and does not both suspend (`yield`, `await`) and clean up (`try`,
    `with`): closing a generator left unfinished would run its clean-up code during a later
    request. The worker and the child both decide it for each request, so it is done in C
    where it can be: words split by `bytes.translate`, looked up in sets, and one search that
    skips from `_` to `_` (about 20,000 instructions for a CRUXEval program; searching the
    text for the words, with a regular expression testing for a word's boundary at each
    character, took 170,000)."""
    if not source.isascii() or "__" in source:
        return False
    text = b" " + source.encode().translate(SPACE_OUT)
    words = text.split()
    return (IMPURE_WORDS.isdisjoint(words)
            and (SUSPENDS.isdisjoint(words) or CLEANS_UP.isdisjoint(words))
            and FRAME_ATTRIBUTE.search(text) is None)


# The byte a child writes to the worker's `done` pipe after a request.
KEPT = b"k"  # answered, checked clean, waiting for the next pure program
REFUSED = b"r"  # not run: the program is not pure and this child has run others before
EXITING = b"x"  # answered, and exiting
# A reused child retires once its peak RSS has grown this much (KiB) since its fork.
RSS_GROWTH_KB = 64 << 10
# Errors after which a child is not trusted to run another program.
DOUBTFUL = (MemoryError, RecursionError)


class Child:
    """The traced runs of a forked child. The worker makes one instance and installs its hooks
    (`install`) before the first fork; each forked child then serves requests (`serve`)."""

    def __init__(self, shm, tmpdir, done_w, reuse):
        self.shm = shm
        self.tmpdir = tmpdir
        self.done_w = done_w
        # Whether a child may serve more than one (pure) program.
        self.reuse = reuse
        # Set when something happened that a reused child cannot vouch for (see `clean`).
        self.doubt = False
        # Room kept for the final record even when the steps fill the block.
        self.reserve = 1 << 20
        # Whether each request also gets a CPU-time limit (the sandbox's rlimits).
        self.cpu_limited = False
        # How many modules a clean child has loaded (see `clean` and `forked`).
        self.module_count = 0
        self.prepare(WARM_UP_LIMITS, "")
        self.deadline = 0.0

    def prepare(self, limits, source):
        KINDS.clear()  # the previous program's classes
        self.source = source
        self.max_repr = int(limits["max_repr"])
        self.max_steps = int(limits["max_steps"])
        self.max_stdout = int(limits["max_stdout"])
        self.timeout_s = int(limits["timeout_ms"]) / 1000.0
        self.pos = 8
        self.steps = 0
        self.out_bytes = 0
        self.err_bytes = 0

    # --- records -------------------------------------------------------------------------
    def emit(self, record, final=False):
        """Append a record (its tag, its JSON and the newline) to the result buffer."""
        data = record.encode("utf-8", "replace")
        end = self.pos + len(data)
        if end > SHM_SIZE - (0 if final else self.reserve):
            if final:
                return
            self.finish("step_limit", "the trace outgrew its %d MiB buffer" % (SHM_SIZE >> 20))
        self.shm[self.pos:end] = data
        struct.pack_into("<Q", self.shm, 0, end)
        self.pos = end

    def finish(self, kind, message=None, line=None):
        """End the child with an outcome."""
        REAL_SETTRACE(None)
        if line is None and kind != "completed":
            line = current_line()
        self.end(outcome_json(kind, message, line))

    def end(self, outcome):
        """The final record, the `done` byte, and an exit without clean-up."""
        self.emit("F%s\n" % outcome, final=True)
        self.retire()

    # --- the program's view of the world ---------------------------------------------------
    def write_out(self, data):
        """Bytes the program wrote to stdout (invalid UTF-8 shown as \\xNN escapes)."""
        over = self.out_bytes + len(data) > self.max_stdout
        if over:
            data = data[: self.max_stdout - self.out_bytes]
        self.out_bytes += len(data)
        text = data.decode("utf-8", "backslashreplace")
        if text:
            state = innermost_state()
            if state is not None:
                state.out.append(text)
            self.emit("O%s\n" % ESC(text))
        if over:
            self.finish("output_limit", "the program wrote more than %d bytes to stdout"
                        % self.max_stdout)

    def write_err(self, data):
        """Bytes written to stderr, by the program or for it (a traceback)."""
        if self.err_bytes < self.max_stdout:
            data = data[: self.max_stdout - self.err_bytes]
            self.err_bytes += len(data)
            self.emit("E%s\n" % ESC(data.decode("utf-8", "backslashreplace")))

    def fake_settrace(self, func):
        self.finish("crashed", "tracer tampering: the program called sys.settrace")

    def unraisable(self, report):
        """sys.unraisablehook: CPython's own report of an exception it cannot raise (in an exit
        handler, a finaliser), written the same way but with the program's source lines,
        which CPython's hook reads from a file the program does not have."""
        err = sys.stderr
        try:
            obj = report.object
            if obj is not None:
                try:
                    shown = repr(obj)
                except BaseException:
                    shown = "<object repr() failed>"
                err.write((report.err_msg or "Exception ignored in") + ": " + shown + "\n")
            elif report.err_msg:
                err.write(report.err_msg + ":\n")
            if report.exc_traceback is not None:
                linecache.cache[FNAME] = (len(self.source), None,
                                          self.source.splitlines(True), FNAME)
                err.write("Traceback (most recent call last):\n")
                modules = len(sys.modules)
                err.write("".join(traceback.format_tb(report.exc_traceback)))
                self.own_modules(modules)
            kind = report.exc_type
            module = TYPE_MODULE(kind)
            name = TYPE_QUALNAME(kind)
            if module not in ("builtins", "__main__"):
                name = "%s.%s" % (module, name)
            if report.exc_value is not None:
                try:
                    name += ": " + str(report.exc_value)
                except BaseException:
                    name += ": <exception str() failed>"
            err.write(name + "\n")
            err.flush()
        except BaseException:
            pass

    def own_modules(self, modules):
        """Formatting a traceback may load `ast` (for the `~^~` marks of Python 3.11+), which
        the worker does not load ahead: it would make every fork dearer. What the tracer's own
        formatting loaded since there were `modules` is not the program's doing, so `clean`
        does not count it, and an uncaught exception does not retire a reused child."""
        self.module_count += len(sys.modules) - modules

    def fake_exit(self, status=0):
        self.finish("crashed", "the program ended its process with os._exit(%r)" % (status,))

    # --- tracing ---------------------------------------------------------------------------
    def shown_locals(self, frame):
        """The frame's locals to show, flattened: name, repr, type, name, repr, type, ...
        (this runs at every step: the common values take an inline path)."""
        max_repr = self.max_repr
        shown = []
        for name, v in frame.f_locals.items():
            if name[:2] == "__" and name[-2:] == "__":
                continue
            t = type(v)
            # Exact built-in types by identity (see FLAT): the name of one is a plain lookup,
            # where another type's may run its metaclass's code.
            if (t is int or (t is str and len(v) <= max_repr) or t is bool or t is float
                    or t is NONE):
                # What safe_repr does for these, without the call.
                try:
                    text = repr(v)
                except BaseException:
                    text = safe_repr(v, max_repr)  # e.g. an int too long for str()
                else:
                    if len(text) > max_repr:
                        text = text[:max_repr] + "..."
                shown += (name, text, t.__name__)
            elif t is list or t is dict or t is tuple or t is set:
                shown += (name, safe_repr(v, max_repr), t.__name__)
            elif not issubclass(t, HIDDEN):
                shown += (name, safe_repr(v, max_repr), TYPE_NAME(t))
        return shown

    def step(self, event, line, state, frame, value=None):
        out = ""
        if event == "line":
            if self.steps >= self.max_steps:
                self.finish("step_limit", "more than %d line steps" % self.max_steps, line)
            self.steps += 1
            if state.out:
                out = "".join(state.out)
                state.out.clear()
        value_json = "null" if value is None else "[%s,%s]" % (ESC(value[0]), ESC(value[1]))
        self.emit(STEP_RECORD % (event, line, state.func_json, state.depth,
                                 ",".join(map(ESC, self.shown_locals(frame))), ESC(out),
                                 value_json))

    def global_trace(self, frame, event, arg):
        code = frame.f_code
        if code.co_filename != FNAME:
            return None
        # The frame's depth among the traced frames, and its level: its recursion depth as
        # CPython counts it for the program (the module's frame is 1), the tracer's frames
        # below the program left out.
        level = 1
        back = frame.f_back
        while back is not None:
            parent = getattr(back.f_trace, "__self__", None)
            if type(parent) is FrameState:
                depth = parent.depth + 1
                level += parent.level
                break
            back = back.f_back
            level += 1
        else:
            # The module's frame, or code run at exit (exit handlers, finalisers).
            depth = 0 if code is self.code else 1
            level -= self.offset
        if level > self.limit:
            self.refuse_call(frame)
        if code.co_name in FOLDED:
            return None
        state = FrameState(self, code.co_name, depth, level)
        if depth > 0:
            try:
                self.step("call", frame.f_lineno, state, frame)
            except Exception:
                pass
        return state.local

    def refuse_call(self, frame):
        """Fail a call past the program's recursion limit, as CPython would have failed it.

        The tracer's own frames get room above the limit (HEADROOM), so the program meets its
        limit here: the error is raised from the trace function, which makes CPython drop the
        trace function; a profile function, called as the refused frame unwinds, puts it back
        before the caller sees the error. The refused frame never started under CPython, so
        its traceback entry goes (see FrameState.local)."""
        self.refused = frame
        REAL_SETPROFILE(self.rearm)
        raise RecursionError("maximum recursion depth exceeded")

    def rearm(self, frame, event, arg):
        REAL_SETPROFILE(None)
        REAL_SETTRACE(self.global_trace)

    def recursion_limit(self):
        """sys.getrecursionlimit() of the program: CPython's, without the tracer's frames."""
        return self.limit

    def set_recursion_limit(self, limit):
        """sys.setrecursionlimit() of the program, with CPython's checks."""
        limit = operator.index(limit)
        if limit < 1:
            raise ValueError("recursion limit must be greater or equal than 1")
        frame = sys._getframe(1)
        level = 0
        while frame is not None:
            state = getattr(frame.f_trace, "__self__", None)
            if type(state) is FrameState:
                level += state.level
                break
            frame = frame.f_back
            level += 1
        if level >= limit:
            raise RecursionError("cannot set the recursion limit to %d at the recursion depth "
                                 "%d: the limit is too low" % (limit, level))
        self.limit = limit
        REAL_SETLIMIT(limit + self.offset + HEADROOM)

    def serve(self, requests):
        """In a forked child: run the requests read from `requests` (one JSON line each).
        The first runs whatever it is; after it the child goes on only when that program was
        pure and the child is still clean, and then refuses any program that is not pure (the
        worker gives that one a fresh child). A pure program with a syntax error runs nothing,
        so it leaves the child as it was (unless compiling ran out of memory or depth)."""
        used = False
        while True:
            line = requests.readline()
            if not line:
                REAL_EXIT(0)
            req = json.loads(line)
            pure = self.reuse and is_pure(req["code"])
            if used and not pure:
                os.write(self.done_w, REFUSED)
                continue
            self.start(req, pure)
            used = True
            try:
                code = compile(req["code"], FNAME, "exec", dont_inherit=True)
            except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError) as e:
                self.emit("F%s\n" % syntax_error_json(e), final=True)
                if not pure or isinstance(e, DOUBTFUL):
                    self.retire()
                os.write(self.done_w, KEPT)
                continue
            self.run(code, req.get("stdin", ""), pure)

    def run(self, code, stdin, pure):
        """Trace one compiled program. A program that is not pure ends the child; a pure one
        leaves it waiting for the next request when it is still clean."""
        main = fresh_module()
        sys.modules["__main__"] = main
        # A pure program cannot reach its stdin. An empty one is file descriptor 0 as the child
        # got it (/dev/null) under the stream installed in the worker, which nothing has read
        # in a fresh child: a new stream is made only for stdin with something to read.
        if stdin and not pure:
            give_stdin(stdin.encode("utf-8"))
            sys.stdin = sys.__stdin__ = stdin_stream(self.stdin_errors)
        self.deadline = time.monotonic() + self.timeout_s
        kind, message, line = self.execute(code, main, at_exit=not pure)
        if not pure:
            self.finish(kind, message, line)
        # What the program made goes now: nothing of it can run code when freed (see
        # is_pure), so the next request starts from a fresh module as a new child would.
        main.__dict__.clear()
        self.emit("F%s\n" % outcome_json(kind, message, line), final=True)
        if not self.clean():
            self.retire()
        os.write(self.done_w, KEPT)

    def start(self, req, pure):
        """Apply the request's limits. A pure program's child leaves the hard limit on the
        address space open (the program cannot reach `resource` to raise its soft limit), so
        that the next request can set its own; any other child gets both limits, as before."""
        self.prepare(req["limits"], req["code"])
        struct.pack_into("<Q", self.shm, 0, 8)
        space = (int(req["limits"]["memory_mb"]) << 20) + SHM_SIZE
        resource.setrlimit(resource.RLIMIT_AS, (space, resource.RLIM_INFINITY if pure else space))
        if self.cpu_limited:
            limit_cpu(self.timeout_s, pure)

    def retire(self):
        """Tell the worker that the answer is complete and this child exits."""
        try:
            os.write(self.done_w, EXITING)
        finally:
            REAL_EXIT(0)

    def clean(self):
        """True when this child is, for a pure program, as a freshly forked one would be: no
        MemoryError or RecursionError was seen (nor an error in the tracer itself), no module
        was loaded, the builtins are the worker's (same dict, same objects), the recursion
        limit, streams, `sys.settrace`, `os._exit` and trace function are the tracer's, and
        the peak RSS has not grown past RSS_GROWTH_KB."""
        builtins_dict = builtins.__dict__
        return (not self.doubt
                and REAL_GETTRACE() is None
                and len(sys.modules) == self.module_count
                and builtins_dict is self.builtins_dict
                and len(builtins_dict) == len(self.builtin_names)
                and all(map(is_, map(builtins_dict.get, self.builtin_names), self.builtin_values))
                and self.limit == self.initial_limit
                and sys.stdin is self.stdin
                and all(map(is_, self.installed(), self.hooks))
                and resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < self.rss_bound)

    def installed(self):
        """What the tracer puts in place of the program's streams and escapes."""
        return (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__, sys.settrace,
                sys.gettrace, os._exit, sys.getrecursionlimit, sys.setrecursionlimit,
                sys.unraisablehook, sys.modules.get("builtins"))

    def execute(self, code, main, at_exit):
        """Trace `code` in `main`, then (with `at_exit`) what CPython runs after the program's
        module: both traced. Returns how the program ended as (kind, message, line)."""
        self.code = code
        self.refused = None
        # The tracer's frames under the program's module frame.
        self.offset = 0
        frame = sys._getframe()
        while frame is not None:
            self.offset += 1
            frame = frame.f_back
        REAL_SETLIMIT(self.limit + self.offset + HEADROOM)
        REAL_SETTRACE(self.global_trace)
        try:
            exec(code, main.__dict__)
            ended = "completed", None, None
        except SystemExit as e:
            ended = self.system_exit(e)
        except BaseException as e:
            tb = e.__traceback__
            while tb is not None and tb.tb_frame.f_code is not code:
                tb = tb.tb_next  # the tracer's own frames
            modules = len(sys.modules)
            text, message = format_traceback(e, tb, self.source)
            self.own_modules(modules)
            self.write_err(text.encode("utf-8", "backslashreplace"))
            kind = "memory_limit" if issubclass(type(e), MemoryError) else "exception"
            if issubclass(type(e), DOUBTFUL):
                self.doubt = True
            ended = kind, message, program_line(tb)
        if at_exit:
            self.at_exit(main)
        REAL_SETTRACE(None)
        return ended

    def system_exit(self, e):
        """What CPython does with an uncaught SystemExit: its code is the exit status, or
        is printed to stderr (the status is then 1)."""
        code = e.code
        if code is None:
            return "completed", None, None
        if issubclass(type(code), int):
            if code == 0:
                return "completed", None, None
            text = int.__repr__(code)
        else:
            try:
                text = str(code)
                print(text, file=sys.stderr)
            except BaseException:
                text = "<unprintable>"
        return "exception", "SystemExit: " + text, program_line(e.__traceback__)

    def at_exit(self, main):
        """What CPython runs once the program's module is done: it waits for the program's
        threads, runs the exit handlers, flushes stdout and stderr, then runs the finalisers
        of what the program left: its module's names are released in order (as CPython's
        teardown of `__main__` does), then garbage is collected."""
        KINDS.clear()  # it holds the program's classes
        threading = sys.modules.get("threading")
        if threading is not None:
            try:
                threading._shutdown()  # CPython waits for the program's threads first
            except BaseException:
                pass
        try:
            atexit._run_exitfuncs()
        except BaseException:
            pass
        flush_streams()
        try:
            names = main.__dict__
            for key in [k for k in names if type(k) is str and k != "__builtins__"]:
                names[key] = None
            gc.collect()
        except BaseException:
            pass
        flush_streams()

    def install(self):
        """Put the program's view of the world in place in the worker, once: its stdin,
        stdout and stderr, the guarded settrace, gettrace and _exit, its recursion limit and
        the report of unraisable exceptions. (Each child installs the audit hook itself.) The
        worker itself talks over the streams it saved before."""
        self.stdin_errors = sys.stdin.errors
        sys.stdout = sys.__stdout__ = output_stream("<stdout>", self.write_out,
                                                    sys.stdout.errors)
        sys.stderr = sys.__stderr__ = output_stream("<stderr>", self.write_err,
                                                    sys.stderr.errors)
        self.stdin = sys.stdin = sys.__stdin__ = stdin_stream(self.stdin_errors)
        sys.settrace = self.fake_settrace
        sys.gettrace = untraced
        sys.unraisablehook = self.unraisable
        self.initial_limit = self.limit = sys.getrecursionlimit()
        sys.getrecursionlimit = self.recursion_limit
        sys.setrecursionlimit = self.set_recursion_limit
        os._exit = self.fake_exit
        # What `clean` compares with after each request of a reused child.
        self.hooks = self.installed()
        self.builtins_dict = builtins.__dict__
        self.builtin_names = tuple(builtins.__dict__)
        self.builtin_values = tuple(builtins.__dict__.values())

    def forked(self):
        """In a new child: the bounds `clean` checks that depend on the moment of the fork."""
        self.module_count = len(sys.modules)
        self.rss_bound = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + RSS_GROWTH_KB


class FrameState:
    """Per-frame tracing state: the line that is running and the output it wrote."""

    __slots__ = ("child", "func_json", "depth", "level", "pending", "out")

    def __init__(self, child, func, depth, level):
        self.child = child
        self.func_json = ESC(func)
        self.depth = depth
        self.level = level
        self.pending = None
        self.out = []

    def local(self, frame, event, arg):
        child = self.child
        try:
            if event == "line":
                line = frame.f_lineno
                if line < 1:
                    # An empty module still reports a line event at line 0: no source line ran.
                    return self.local
                if self.pending is not None:
                    child.step("line", self.pending, self, frame)
                self.pending = line
                if time.monotonic() > child.deadline:
                    child.finish("timeout", "the program ran past its time limit", line)
            elif event == "return":
                if self.pending is not None:
                    child.step("line", self.pending, self, frame)
                    self.pending = None
                # A frame left by an exception has a `return` event too (with None): it is
                # one when the frame's last instruction is not a return or a yield.
                if self.depth > 0 and frame.f_code.co_code[frame.f_lasti] in RETURNS:
                    value = (safe_repr(arg, child.max_repr), TYPE_NAME(type(arg)))
                    child.step("return", frame.f_lineno, self, frame, value)
            elif event == "exception":
                if self.pending is not None:
                    child.step("line", self.pending, self, frame)
                    self.pending = None
                exc = arg[1]
                if child.refused is not None:
                    # The callee CPython would have refused (see Child.refuse_call).
                    tb = arg[2]
                    if tb is not None and tb.tb_next is not None and (
                            tb.tb_next.tb_frame is child.refused):
                        tb.tb_next = None
                    child.refused = None
                if issubclass(arg[0], DOUBTFUL):
                    child.doubt = True
                value = (safe_repr(exc, child.max_repr), TYPE_NAME(arg[0]))
                child.step("exception", frame.f_lineno, self, frame, value)
        except Exception:
            # The tracer itself hit a limit (recursion depth, memory): drop this event and
            # keep tracing; the program meets the same limit on its own.
            child.doubt = True
        return self.local


class SinkBuffer(io.BufferedIOBase):
    """The binary layer (`.buffer`) of the program's stdout or stderr: every write goes to
    the trace at once."""

    def __init__(self, name, sink):
        super().__init__()
        self.name = name
        self.sink = sink

    def write(self, b):
        data = b if type(b) is bytes else memoryview(b).tobytes()  # print() passes bytes
        self.sink(data)
        return len(data)

    def writable(self):
        return True

    def fileno(self):
        raise io.UnsupportedOperation("fileno")

    def isatty(self):
        return False


def output_stream(name, sink, errors):
    """sys.stdout or sys.stderr as CPython makes them (UTF-8, `errors` as the interpreter's
    own, no newline translation, stderr line-buffered), written through to the trace."""
    stream = io.TextIOWrapper(SinkBuffer(name, sink), encoding="utf-8", errors=errors,
                              newline="\n", line_buffering=name == "<stderr>",
                              write_through=True)
    stream.mode = "w"
    return stream


def give_stdin(data):
    """Make file descriptor 0 read `data`, so that sys.stdin, open(0) and os.read(0, n) all
    read the program's stdin."""
    try:
        fd = os.memfd_create("stdin")
    except (AttributeError, OSError):
        fd = os.open("stdin", os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        os.unlink("stdin")
    write_all(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    os.dup2(fd, 0)
    os.close(fd)


def stdin_stream(errors):
    """sys.stdin as CPython makes it, over file descriptor 0."""
    raw = io.FileIO(0, "r", closefd=False)
    raw.name = "<stdin>"
    stream = io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8", errors=errors,
                              newline="\n")
    stream.mode = "r"
    return stream


def flush_streams():
    """Flush the program's stdout and stderr, as CPython does at exit."""
    for name in ("stdout", "stderr"):
        try:
            getattr(sys, name).flush()
        except BaseException:
            pass


def untraced():
    """sys.gettrace() as a traced program sees it: the tracer is not its to reach."""
    return None


def innermost_state():
    frame = sys._getframe(2)
    while frame is not None:
        state = getattr(frame.f_trace, "__self__", None)
        if type(state) is FrameState:
            return state
        frame = frame.f_back
    return None


def current_line():
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == FNAME:
            return frame.f_lineno
        frame = frame.f_back
    return None


def program_line(tb):
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FNAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def exception_text(e):
    try:
        text = str(e)
    except BaseException:
        text = "<unprintable>"
    return "%s: %s" % (type(e).__name__, text) if text else type(e).__name__


def format_traceback(e, tb, source):
    """What CPython prints for an uncaught exception whose traceback is `tb` (chained
    exceptions included), and the outcome message `Type: message`."""
    try:
        linecache.cache[FNAME] = (len(source), None, source.splitlines(True), FNAME)
        report = traceback.TracebackException(type(e), e, tb, compact=True)
        text = "".join(report.format())
        detail = getattr(report, "_str", None)
        if type(detail) is not str:
            return text, exception_text(e)
        name = TYPE_NAME(type(e))
        return text, name + ": " + detail if detail else name
    except BaseException:
        message = exception_text(e)
        return message + "\n", message


# --- the worker ----------------------------------------------------------------------------

WARM_UP_LIMITS = {"timeout_ms": 60000, "max_steps": 1 << 30, "max_stdout": 1 << 20,
                  "max_repr": 300}
# Calls, returns, loops, a caught exception, a comprehension, prints, containers large and small.
WARM_UP = """
class Box:
    def __init__(self, items):
        self.items = items

def total(values):
    s = 0
    for v in values:
        s += v
    return s

def pick(d, key):
    try:
        return d[key]
    except KeyError:
        return None

box = Box(list(range(12)))
words = {"a": 1, "b": [1.5, "x"], "c": (None, True)}
for i in range(12):
    t = total(box.items[:i])
    name = "n%d" % i
    found = pick(words, name[:1])
    squares = [k * k for k in range(i)]
    print(i, t, found, name)
"""


def outcome_json(kind, message, line):
    message_json = "null" if message is None else ESC(message)
    line_json = "null" if line is None else "%d" % line
    return OUTCOME_JSON % (kind, message_json, line_json)


def syntax_error_json(e):
    line = getattr(e, "lineno", None) or 1
    column = getattr(e, "offset", None) or 1
    msg = getattr(e, "msg", None) or str(e)
    message = "%s: %s at line %d, column %d" % (type(e).__name__, msg, line, column)
    return DUMPS({"kind": "syntax_error", "message": message, "line": line, "column": column})


def fresh_module():
    main = types.ModuleType("__main__")
    main.__dict__["__builtins__"] = builtins
    return main


class Channel:
    """A forked child and what only it and the worker share: its request pipe, its `done`
    pipe and its result buffer. Each child gets new ones, so nothing a program does with them
    reaches another child's requests."""

    __slots__ = ("pid", "go_w", "done_r", "shm")

    def __init__(self, pid, go_w, done_r, shm):
        self.pid, self.go_w, self.done_r, self.shm = pid, go_w, done_r, shm

    def close(self):
        os.close(self.go_w)
        os.close(self.done_r)
        self.shm.close()


class Server:
    """The worker's side of the requests: hand each to a child and wait for it.

    Everything that does not depend on the request is done once, before the first fork: the
    program's streams, the seeded `random`, the warmed-up tracer code. A child only confines
    itself (see `Confinement`), installs the audit hook, applies its limits and runs the
    program, and so copies few pages.

    The worker, not the child, decides which child runs a request and whether the child may
    serve again: a pure program (see `is_pure`, applied here to the request's text) goes to the
    `shared` child when there is one, a child that has run only pure programs and reported
    itself clean after each; any other program goes to the `spare`, a child forked ahead of its
    request, as soon as an answer is out, that moved into the emptied temporary directory and
    waits on its pipe. A spare that ran a pure program and reported itself clean becomes the
    shared child; any other child is killed after its one request, whatever it wrote. A child
    writes one byte to its `done` pipe when its answer is complete (KEPT, REFUSED or EXITING).
    With `reuse` off, every request gets a fresh child (the old contract, kept to compare with).
    """

    def __init__(self, base, devnull, reuse, sandbox, audit_hook):
        self.base = base
        self.audit_hook = audit_hook
        self.devnull = devnull
        self.reuse = reuse
        self.sandbox = sandbox
        # One directory serves every request of this worker; it is emptied between them.
        self.tmpdir = os.path.join(base, "run")
        self.make_tmpdir()
        self.poller = select.poll()
        self.child = Child(None, self.tmpdir, -1, reuse)
        self.unreaped = []
        # Each child as a Channel.
        self.spare = None
        self.shared = None
        self.stale = 0

    def warm_up(self):
        """Trace a small program in the worker itself. CPython specializes hot bytecode in
        place, so the tracer's own code is then ready before any fork, and a child reads those
        pages instead of copying them to rewrite them (measured: about 130 fewer page faults per
        trace, a fifth of them). One run does it; more gain nothing measurable."""
        code = compile(WARM_UP, FNAME, "exec", dont_inherit=True)
        self.child.shm = mmap.mmap(-1, SHM_SIZE)
        self.child.prepare(WARM_UP_LIMITS, WARM_UP)
        self.child.deadline = time.monotonic() + 60.0
        self.child.execute(code, fresh_module(), at_exit=False)
        self.child.prepare(WARM_UP_LIMITS, "")
        self.child.shm.close()
        self.child.shm = None

    def reap(self):
        """Make sure the children that answered and were let go are gone."""
        while self.unreaped:
            pid = self.unreaped.pop()
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)

    def make_tmpdir(self):
        try:
            os.mkdir(self.tmpdir)
        except FileNotFoundError:  # someone removed the worker's own directory
            os.makedirs(self.tmpdir)
        if self.sandbox is not None:
            self.sandbox.own_dir(self.tmpdir)

    def empty_tmpdir(self):
        """Leave an empty temporary directory for the next child; what the last one left there
        goes (or, when it cannot be removed, is moved aside until the worker exits)."""
        try:
            os.rmdir(self.tmpdir)
        except FileNotFoundError:
            pass
        except OSError:
            remove_tree(self.tmpdir)
            if os.path.lexists(self.tmpdir):
                self.stale += 1
                os.rename(self.tmpdir, os.path.join(self.base, "stale-%d" % self.stale))
        self.make_tmpdir()

    def fork_spare(self):
        """Fork the child of the next request, unless there is one: it takes the previous
        child's place (reaped first) in an emptied temporary directory."""
        if self.spare is not None:
            return
        self.reap()
        self.empty_tmpdir()
        shm = mmap.mmap(-1, SHM_SIZE)
        go_r, go_w = os.pipe()
        done_r, done_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                for fd in (0, 1, 2):  # no access to the worker's pipes
                    os.dup2(self.devnull, fd)
                if self.shared is not None:  # nor to the shared child's results
                    self.shared.shm.close()
                os.chdir(self.tmpdir)
                if self.sandbox is not None:
                    self.sandbox.confine(keep=(go_r, done_w))
                else:
                    close_fds_except((go_r, done_w))
                if self.audit_hook:
                    sys.addaudithook(make_audit_hook(self.tmpdir))
                self.child.shm = shm
                self.child.done_w = done_w
                self.child.cpu_limited = self.sandbox is not None
                self.child.forked()
                self.child.serve(os.fdopen(go_r, "rb"))
            finally:
                REAL_EXIT(70)
        os.close(go_r)
        os.close(done_w)
        os.set_blocking(done_r, False)
        self.spare = Channel(pid, go_w, done_r, shm)

    def let_go(self, child):
        """Close a child's channel; it is killed and reaped with the next spare."""
        child.close()
        self.unreaped.append(child.pid)

    def close(self):
        """Stop the spare and shared children and reap every child."""
        for child in (self.shared, self.spare):
            if child is not None:
                self.let_go(child)
        self.shared = self.spare = None
        self.reap()

    def wait(self, child, timeout_ms):
        """Wait until the child has answered, has died, or is past its limit (then kill it).

        Returns (status, the child's `done` byte, or None when it died or was killed and has
        been reaped)."""
        limit = timeout_ms + KILL_GRACE_MS
        try:
            pidfd = os.pidfd_open(child.pid)
        except (AttributeError, OSError):
            return self.wait_polling(child, limit)
        self.poller.register(pidfd, select.POLLIN)
        self.poller.register(child.done_r, select.POLLIN)
        ready = self.poller.poll(limit)
        self.poller.unregister(pidfd)
        self.poller.unregister(child.done_r)
        os.close(pidfd)
        done = done_byte(child)
        if done is not None:
            return {"status": "exited", "exit": 0}, done
        if not ready:
            os.kill(child.pid, signal.SIGKILL)
        _, wstatus = os.waitpid(child.pid, 0)
        return ({"status": "timeout"} if not ready else exit_status(wstatus)), None

    def wait_polling(self, child, limit):
        """wait() where pidfd_open is missing."""
        end = time.monotonic() + limit / 1000.0
        pause = 0.0002
        while True:
            done = done_byte(child)
            if done is not None:
                return {"status": "exited", "exit": 0}, done
            finished, wstatus = os.waitpid(child.pid, os.WNOHANG)
            if finished:
                return exit_status(wstatus), None
            if time.monotonic() > end:
                os.kill(child.pid, signal.SIGKILL)
                os.waitpid(child.pid, 0)
                return {"status": "timeout"}, None
            time.sleep(pause)
            pause = min(pause * 2, 0.01)

    def ask(self, child, line, timeout_ms):
        """Give `line` to `child` (its result buffer emptied first) and wait for it; returns
        (status, done byte or None when the child is gone)."""
        struct.pack_into("<Q", child.shm, 0, 8)
        try:
            write_all(child.go_w, line)
        except BrokenPipeError:
            pass  # the child is gone already: wait() reports how it ended
        return self.wait(child, timeout_ms)

    def serve(self, line):
        """Run one request (its JSON line): a pure program on the shared child when there is
        one, any other (or a pure one the shared child refused) on the spare. The worker itself
        only forks and waits: each page it writes after a fork costs a copy-on-write fault, so
        the request's own work (compiling included) is the child's."""
        start = time.perf_counter()
        request = json.loads(line)
        timeout_ms = int(request["limits"]["timeout_ms"])
        pure = self.reuse and is_pure(request["code"])
        child, done = None, REFUSED
        if pure and self.shared is not None:
            child, self.shared = self.shared, None
            status, done = self.ask(child, line, timeout_ms)
            if done == REFUSED:
                self.let_go(child)
        if done == REFUSED:
            self.fork_spare()
            child, self.spare = self.spare, None
            status, done = self.ask(child, line, timeout_ms)
        status["elapsed_ms"] = (time.perf_counter() - start) * 1000.0
        end = struct.unpack_from("<Q", child.shm, 0)[0]
        payload = child.shm[8:end] if 8 <= end <= SHM_SIZE else b""
        if done is None:  # died or killed, and reaped
            child.close()
        elif pure and done == KEPT:
            self.shared = child
        else:
            self.let_go(child)
        return status, payload


def done_byte(child):
    """The byte a child wrote to its `done` pipe, or None."""
    try:
        return os.read(child.done_r, 1) or None
    except BlockingIOError:
        return None


def write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def exit_status(wstatus):
    if os.WIFSIGNALED(wstatus):
        return {"status": "signal", "signal": os.WTERMSIG(wstatus)}
    return {"status": "exited", "exit": os.waitstatus_to_exitcode(wstatus)}


def make_worker_dir():
    """The worker's own directory in /tmp (or $TMPDIR). The `tracelens-` prefix is what the
    Rust side looks for when it cleans up after a worker that died."""
    root = os.environ.get("TMPDIR") or "/tmp"
    path = os.path.join(root, "tracelens-%d-%s" % (os.getpid(), os.urandom(6).hex()))
    os.mkdir(path, 0o700)
    return os.path.realpath(path)


def remove_tree(path):
    """Remove the directory `path` and all it holds. Most often it holds empty directories
    only (the worker's own, when it ends), which take no shutil; shutil, and the compression
    modules it loads, come only when needed: every module the worker loads makes each fork
    a little dearer."""
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                os.rmdir(entry.path)
        os.rmdir(path)
    except OSError:
        import shutil
        shutil.rmtree(path, ignore_errors=True)


def preload():
    """Modules programs commonly import, loaded once so each child finds them ready."""
    for name in ("collections", "itertools", "functools", "math", "re", "string", "heapq",
                 "bisect", "copy", "operator"):
        try:
            __import__(name)
        except ImportError:
            pass


def main():
    # Confined (unless --sandbox off): the outer process stays behind to watch the lifeline.
    sandbox = Confinement.from_env()
    base = make_worker_dir()
    if sandbox is not None:
        sandbox.split(base)
    # The worker's own streams: the protocol. Held here, since they would close once the
    # program's streams replace them in sys.
    streams = (sys.stdin, sys.stdout, sys.stderr)
    inp, out = streams[0].buffer, streams[1].buffer
    if sandbox is not None:
        sandbox.prepare(base)
    devnull = os.open(os.devnull, os.O_RDWR)
    server = Server(base, devnull, "--fresh-children" not in sys.argv, sandbox,
                    "--no-audit-hook" not in sys.argv)
    # The children's environment and limits: set once here, since changing them in each child
    # is slow.
    os.environ.clear()
    os.environ.update({"HOME": server.tmpdir, "TMPDIR": server.tmpdir, "PYTHONHASHSEED": "0",
                       "LANG": "C.UTF-8"})
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    preload()
    server.child.install()
    server.warm_up()
    random.seed(0)
    hello = {"python": "%d.%d.%d" % sys.version_info[:3], "tmpdir": base,
             "sandbox": sandbox.layers if sandbox is not None else []}
    out.write(DUMPS(hello).encode() + b"\n")
    out.flush()
    gc.collect()
    gc.freeze()
    try:
        while True:
            try:
                server.fork_spare()
            except OSError:
                pass  # serve() tries again and reports what fails
            line = inp.readline()
            if not line:
                break
            try:
                status, payload = server.serve(line)
            except BaseException as e:
                status, payload = {"status": "error", "message": exception_text(e)}, b""
            status["n"] = len(payload)
            out.write(DUMPS(status).encode() + b"\n")
            out.write(payload)
            out.flush()
    finally:
        server.close()
        if sandbox is not None:
            sandbox.release(base)
        remove_tree(base)
    # Everything is flushed and removed: the interpreter's teardown of the worker's modules
    # would only spend time (about 4 ms of CPU per worker).
    REAL_EXIT(0)


if __name__ == "__main__":
    main()
