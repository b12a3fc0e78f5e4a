# The program in a vendor's answer, found with Python's own parser.
#
# Runs inside the sandbox (tb-grade's code grader): `extract(answer, entry)`
# returns the code a careful reader would copy out of the answer and how it
# was found. Fenced blocks (``` or ~~~, any length, indented or not, closed or
# not) in Python or no language are parsed; the block that defines the entry
# point is the solution (after a correction, the last one; offered as an
# alternative, the first), with the blocks of helpers and imports it uses;
# blocks that only call, print or assert (usage, tests, output) are left out.
# Without fences, the longest run of lines that parses and defines the entry
# point is taken, so prose before and after the code is left out; a function
# body written on its own (completing a prompt) is found the same way.
import ast
import re

PYTHON = {"", "python", "py", "python3", "py3", "ipython", "pycon", "python2", "sage"}
CORRECTION = re.compile(
    r"actually|wait|correct(?:ed|ion)|fix(?:ed)?|bug|mistake|better|improved|simpler|cleaner|final|updated|revised|"
    r"更正|修正|修改|改进|改正|纠正|错误|等等|最终|更好|更简洁|优化",
    re.I,
)
ALTERNATIVE = re.compile(
    r"alternative(?:ly)?|another\s+(?:way|approach|version|option)|you\s+could\s+also|"
    r"if\s+you(?:'d|\s+would)?\s+(?:prefer|rather)|或者|另一种|也可以|如果(?:你|您)(?:更)?(?:喜欢|偏好|倾向)|换一种|换个写法",
    re.I,
)


# After the blocks, which one the answer says it would use ("I'd go with the
# first one", "我更推荐第一种"): the first, or the last. Not negated ("I
# wouldn't recommend the first"), nor said under a condition ("If inputs are
# never empty, stick with the original").
def preference(english, chinese):
    """A closing preference for the block the words name."""
    return re.compile(
        r"(?:go|stick|stay)\s+with\s+the\s+(?:%s)\b|recommend\s+the\s+(?:%s)\b|(?:推荐|建议用|选)(?:%s)"
        % (english, english, chinese),
        re.I,
    )


PREFERS_FIRST = preference("first|original|former", "第一种|第一个版本|前一种|前者")
PREFERS_LAST = preference("second|latter|last", "第二种|第二个版本|后一种|后者")
# "不过" (however), "不错", "不妨" negate nothing.
NEGATED_OR_CONDITIONAL = re.compile(
    r"\b(?:not|don'?t|wouldn'?t|won'?t|never|avoid|if|unless)\b|不(?!过|错|仅|妨|论)|别|没|如果|若|除非", re.I
)


def preferred(pattern, text):
    """Whether `text` states the preference, not negated or under a condition in its sentence."""
    for m in pattern.finditer(text):
        start = max(text.rfind(c, 0, m.start()) for c in ".!?。！？\n(（")
        if not NEGATED_OR_CONDITIONAL.search(text[start + 1 : m.start()]):
            return True
    return False


CODE_START = re.compile(r"^(?:async\s+def|def|class|import|from|@)\b|^[A-Za-z_][\w.]*\s*(?:=|\()|^(?:for|while|if|with|try|return)\b")


def parse(code):
    """The module `code` parses to, or None; a body written on its own parses inside a function."""
    for candidate in (code, dedent(code)):
        try:
            return ast.parse(candidate)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            pass
    try:
        return ast.parse("def _tb_body():\n" + indent_body(code))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def dedent(code):
    lines = [l for l in code.split("\n") if l.strip()]
    if not lines:
        return code
    width = min(len(l) - len(l.lstrip(" \t")) for l in lines)
    return "\n".join(l[width:] if len(l) >= width else l.lstrip(" \t") for l in code.split("\n"))


def indent_body(code):
    first = next((l for l in code.split("\n") if l.strip()), "")
    if first[:1] in (" ", "\t"):
        return code.replace("\t", "    ")
    return "\n".join("    " + l if l.strip() else l for l in code.split("\n"))


def defined(tree):
    """Top-level function and class names a module defines."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def is_body(tree):
    return len(tree.body) == 1 and isinstance(tree.body[0], ast.FunctionDef) and tree.body[0].name == "_tb_body"


def usage_only(tree):
    """Blocks that only call, print, assert or show values: examples and tests, not the solution."""
    for node in tree.body:
        if isinstance(node, (ast.Expr, ast.Assert, ast.Pass)):
            continue
        if isinstance(node, ast.If) and "__name__" in ast.dump(node.test):
            continue
        if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
            # `result = f(3)` beside prints is usage too; a constant a solution needs is not.
            if isinstance(node.value, ast.Call):
                continue
        return False
    return True


def used_names(tree):
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.value.id for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
    }


def imported(tree):
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
    return names


OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[^\s`]*)[^`]*$")


def fenced_blocks(text):
    """(start, end, language, body) of every fenced block. A fence closes at
    the first closing line after which the body parses (a docstring may show
    a fenced example), else at the first closing line, else at the end."""
    lines = text.split("\n")
    offsets = [0]
    for l in lines:
        offsets.append(offsets[-1] + len(l) + 1)
    blocks = []
    i = 0
    while i < len(lines):
        m = OPENING.match(lines[i])
        if not m:
            i += 1
            continue
        fence, lang = m.group("fence"), m.group("lang").lower().strip("{}.")
        closers = [
            j for j in range(i + 1, len(lines))
            if lines[j].strip().startswith(fence) and set(lines[j].strip()) == {fence[0]}
        ]
        end = closers[0] if closers else len(lines)
        width = len(m.group("indent").expandtabs())
        if lang in PYTHON and len(closers) > 1 and parse(unindent("\n".join(lines[i + 1 : end]), width)) is None:
            end = next((j for j in closers if parse(unindent("\n".join(lines[i + 1 : j]), width)) is not None), end)
        body = unindent("\n".join(lines[i + 1 : end]), width)
        blocks.append((offsets[i], offsets[min(end + 1, len(lines))], lang, body.rstrip("\n") + "\n"))
        i = end + 1
    return blocks


def unindent(body, fence_width):
    """A block whose fence is indented (inside a list item), without that indentation."""
    lines = [l for l in body.split("\n") if l.strip()]
    if not lines or fence_width == 0:
        return body
    width = min(fence_width, min(len(l) - len(l.lstrip(" ")) for l in lines))
    if width == 0:
        return body
    return "\n".join(l[width:] for l in body.split("\n"))


def choose(blocks, text, entry):
    """The solution among fenced Python blocks, with the helper blocks it needs."""
    parsed = []
    for start, end, lang, body in blocks:
        if lang not in PYTHON:
            continue
        tree = parse(body)
        if tree is None:
            if lang:
                parsed.append((start, end, body, None))
            continue
        # An unlabelled block that only shows values is output, not code.
        if not lang and all(isinstance(n, ast.Expr) and not isinstance(n.value, ast.Call) for n in tree.body):
            continue
        parsed.append((start, end, body, tree))
    if not parsed:
        return None, "no_code"
    defining = [p for p in parsed if p[3] is not None and entry and entry in defined(p[3])]
    if defining:
        chosen = defining[-1]
        if len(defining) > 1:
            # The paragraph that introduces the last one says what it is; the
            # explanation of the first ("最终得到的新列表…") says nothing of it.
            intro = introduction(text, blocks, defining[-1][0])
            if ALTERNATIVE.search(intro) and not CORRECTION.search(intro):
                chosen = defining[0]
            # What the answer says after its last block decides ("I'd go with the first one").
            after = text[defining[-1][1]:]
            first, last = preferred(PREFERS_FIRST, after), preferred(PREFERS_LAST, after)
            if first and not last:
                chosen = defining[0]
            elif last and not first:
                chosen = defining[-1]
        how = "fenced_block_defining_entry_point" if len(parsed) == 1 else "fenced_block_of_%d" % len(parsed)
        needed = used_names(chosen[3])
        parts = []
        for p in parsed:
            if p is chosen:
                parts.append(p)
            elif p[3] is not None and p not in defining and not usage_only(p[3]):
                if (defined(p[3]) | imported(p[3])) & needed:
                    parts.append(p)
        return "\n\n".join(p[2].rstrip("\n") for p in parts) + "\n", how
    # No block defines the entry point: a body completing the prompt, or every
    # block that is not usage.
    solutions = [p for p in parsed if p[3] is None or not usage_only(p[3])]
    if not solutions:
        solutions = parsed[:1]
    bodies = [p for p in solutions if p[3] is not None and is_body(p[3])]
    if bodies:
        return bodies[-1][2], "fenced_body"
    return "\n\n".join(p[2].rstrip("\n") for p in solutions) + "\n", "fenced_blocks"


def introduction(text, blocks, start):
    """The last paragraph of the text between the block before `start` and `start`."""
    since = max((end for _, end, _, _ in blocks if end <= start), default=0)
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text[since:start]) if p.strip()]
    return paragraphs[-1] if paragraphs else ""


def best_span(lines, entry, budget=400):
    """The longest run of lines that parses, preferring one that defines `entry`."""
    best = None
    starts = [i for i, l in enumerate(lines) if l.strip() and (CODE_START.match(l.lstrip()) or l[:1] in (" ", "\t"))]
    tries = 0
    for start in starts:
        if best is not None and start < best[1]:
            continue
        end = len(lines)
        while end > start and tries < budget:
            tries += 1
            code = "\n".join(lines[start:end])
            try:
                tree = ast.parse(code)
            except SyntaxError as e:
                bad = start + (e.lineno or 1) - 1
                end = bad if start < bad < end else end - 1
                continue
            except (ValueError, MemoryError, RecursionError):
                end -= 1
                continue
            while end > start and not lines[end - 1].strip():
                end -= 1
            has_entry = bool(entry) and entry in defined(tree)
            has_def = bool(defined(tree))
            score = (has_entry, has_def, end - start)
            if best is None or score > best[2]:
                best = (start, end, score)
            break
        if tries >= budget:
            break
    return best


def indented_block(lines, entry):
    """A markdown code block, indented four spaces or a tab after a blank
    line, that defines `entry` once dedented ("    def gcd(a, b):"): what a
    reader sees is the code without the indent, not a function's body."""
    i = 0
    while i < len(lines):
        opens = lines[i].startswith(("    ", "\t")) and lines[i].strip() and (i == 0 or not lines[i - 1].strip())
        if not opens:
            i += 1
            continue
        j = i
        while j < len(lines) and (lines[j].startswith(("    ", "\t")) or not lines[j].strip()):
            j += 1
        code = dedent("\n".join(lines[i:j])).strip("\n") + "\n"
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            tree = None
        if tree is not None and entry and entry in defined(tree):
            return code
        i = j
    return None


def unfenced(text, entry):
    lines = text.split("\n")
    span = best_span(lines, entry)
    if span is not None and (span[2][0] or span[2][1]):
        return "\n".join(lines[span[0] : span[1]]) + "\n", "unfenced_code"
    block = indented_block(lines, entry)
    if block is not None:
        return block, "indented_block"
    # A function body completing the prompt: the indented lines from the first one.
    first = next((i for i, l in enumerate(lines) if l[:1] in (" ", "\t") and l.strip()), None)
    if first is not None:
        end = len(lines)
        while end > first:
            body = "\n".join(lines[first:end])
            if parse(body) is not None:
                while end > first and not lines[end - 1].strip():
                    end -= 1
                return "\n".join(lines[first:end]) + "\n", "unfenced_body"
            end -= 1
    if span is not None:
        return "\n".join(lines[span[0] : span[1]]) + "\n", "unfenced_code"
    return None, "no_code"


def extract(answer, entry):
    """(program or None, how it was found)."""
    text = answer.replace("\r\n", "\n").replace("\r", "\n")
    blocks = fenced_blocks(text)
    if blocks:
        code, how = choose(blocks, text, entry)
        if code is not None:
            return code, how
        # Fences of other languages only: perhaps code stands outside them.
        outside = text
        for start, end, _, _ in reversed(blocks):
            outside = outside[:start] + outside[end:]
        return unfenced(outside, entry)
    return unfenced(text, entry)


def infill(answer, prefix, suffix, entry):
    """(program or None, how) for a fill-in-the-middle task: the code
    between `prefix` and `suffix`. The gap's code is the answer's Python block
    (a chat vendor's), else the answer as it stands (a completion API's raw
    text). It is placed as written; when that does not parse, with the line
    break or the indentation the gap needs, or cut where it starts repeating
    the suffix. An answer that rewrites the whole function is read as one
    (what stands before it in the prefix is kept)."""
    text = answer.replace("\r\n", "\n").replace("\r", "\n")
    blocks = [b for b in fenced_blocks(text) if b[2] in PYTHON]
    if blocks:
        middle, how = blocks[0][3], "fenced_gap"
        if not prefix.endswith("\n"):
            # A block's body ends with the line break of its closing fence; a
            # gap that starts inside a line (a random span) most often ends
            # inside one too (the candidates below add the break back).
            middle = middle.rstrip("\n")
    else:
        # A gap may be whitespace alone (a random span between two tokens).
        middle, how = text, "raw_gap"
    if entry and re.search(r"^\s*(?:async\s+)?def\s+%s\s*\(" % re.escape(entry), middle, re.M):
        tree = parse(middle)
        if tree is not None and entry in defined(tree):
            code, read = extract(answer, entry)
            if code is not None:
                # What stands before the function in the prefix (imports, helpers) stays.
                at = re.search(r"^[ \t]*(?:async\s+)?def\s+%s\s*\(" % re.escape(entry), prefix, re.M)
                code = (prefix[: at.start()] if at else "") + code
            return code, "whole_function; " + read
    for candidate, label in gap_candidates(prefix, middle, suffix):
        program = prefix + candidate + suffix
        try:
            # compile, not parse: a `return` the gap moved out of its function fails only here.
            compile(program, "solution.py", "exec")
            return program, how + label
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            continue
    return prefix + middle + suffix, how


def gap_candidates(prefix, middle, suffix):
    yield middle, ""
    first_suffix_line = next((l.strip() for l in suffix.split("\n") if l.strip()), "")
    if len(first_suffix_line) >= 8:
        lines = middle.split("\n")
        for i, l in enumerate(lines):
            if i > 0 and l.strip() == first_suffix_line:
                yield "\n".join(lines[:i]) + "\n", " (cut where the suffix repeats)"
                break
    if middle.endswith("\n"):
        yield middle.rstrip("\n"), " (last line break dropped)"
    else:
        yield middle + "\n", " (line break added)"
    at_line_start = prefix.endswith("\n") or prefix == ""
    if at_line_start:
        last = next((l for l in reversed(prefix.split("\n")) if l.strip()), "")
        width = len(last) - len(last.lstrip(" "))
        if last.rstrip().endswith(":"):
            width += 4
        body = dedent(middle).rstrip("\n")
        yield "\n".join((" " * width + l) if l.strip() else l for l in body.split("\n")) + "\n", " (re-indented)"
