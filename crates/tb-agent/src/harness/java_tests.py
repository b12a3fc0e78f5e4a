"""Compiles a Java task's `src/**/*.java` and `tests/**/*.java` and runs the
tests with JUnit 5 (Jupiter), so that the code under test cannot fake a pass:
  - the source files are read for what ends the process, replaces its
    output or input, runs outside the tests or reaches past the language
    (exits, halts, shutdown hooks, static initialisers, reflection, method
    handles, class loaders, `Unsafe`, native methods, processes, the JUnit
    machinery itself): listed, and any one fails the run;
  - each test file's `@Test` methods are listed from its source, and each
    must be reported successful by name;
  - the tests run under a launcher written here (the JUnit Platform's
    launcher API) that reads a token this process drew, from its standard
    input, before any class of the repository is loaded, and prints it only
    after every test returned, on the last line; the verdict needs that
    line and a clean exit.
This process makes itself undumpable first, so the JVM cannot reach its
memory or output. The verdict is the last line, `TB-RESULT {json}`.
"""
import glob, json, os, re, shutil, subprocess, sys

# The interpreter runs isolated (no script directory on the path): the shared
# helper ships beside this driver.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tb_harness  # noqa: E402

tb_harness.undumpable()

JAVAC = "@JAVAC@"
JAVA = "@JAVA@"
JUNIT = "@JUNIT@"
here = os.path.dirname(os.path.abspath(__file__))
work = os.path.join(os.getcwd(), "repo")
shutil.copytree(os.path.join(here, "repo"), work)
out = os.path.join(os.getcwd(), "classes")
os.makedirs(out)
token = "TB-JAVA-PASSED-" + os.urandom(16).hex()

# Small reservations: the sandbox's address-space limit counts what a JVM
# reserves, not what it uses.
JVM = ["-Xss8m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CompressedClassSpaceSize=64m",
       "-XX:ReservedCodeCacheSize=48m", "-XX:MaxMetaspaceSize=128m", "-XX:CICompilerCount=1", "-Xshare:auto"]
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "MALLOC_ARENA_MAX": "2", "LANG": "C.UTF-8"}

MACHINERY = [
    (r"\bSystem\s*\.\s*(?:exit|halt|setOut|setErr|setIn|setSecurityManager|console|load|loadLibrary)\b", "ends the process or replaces its input or output"),
    (r"\bRuntime\s*\.\s*getRuntime\b", "reaches the runtime (exit, halt, shutdown hooks, processes)"),
    (r"\bProcessBuilder\b|\bProcessHandle\b", "starts or reaches a process"),
    (r"\bstatic\s*\{", "runs a static initialiser"),
    (r"\bjava\s*\.\s*lang\s*\.\s*(?:reflect|invoke)\b|\bgetDeclared\w*\b|\bsetAccessible\b|\bMethodHandles?\b|\bClass\s*\.\s*forName\b|\bClassLoader\b", "uses reflection"),
    (r"\bsun\s*\.\s*misc\b|\bjdk\s*\.\s*internal\b|\bUnsafe\b|\bnative\b", "reaches past the language"),
    (r"\borg\s*\.\s*junit\b|\bopentest4j\b|\bTbLauncher\b", "reaches the test machinery"),
    (r"\bThread\s*\.\s*setDefaultUncaughtExceptionHandler\b|\bStackWalker\b", "reaches the threads' machinery"),
]

LAUNCHER = r'''
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import org.junit.platform.engine.*;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.*;
import org.junit.platform.launcher.core.*;

public final class TbLauncher {
    public static void main(String[] classes) throws Exception {
        // The token is read before any class of the repository is loaded, and kept only here.
        final String token = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        System.setIn(new ByteArrayInputStream(new byte[0]));
        final PrintStream out = System.out;
        final Map<String, Boolean> results = new LinkedHashMap<>();
        final List<String> failures = new ArrayList<>();
        List<DiscoverySelector> selectors = new ArrayList<>();
        for (String c : classes) selectors.add(DiscoverySelectors.selectClass(c));
        TestExecutionListener listener = new TestExecutionListener() {
            @Override public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                boolean ok = result.getStatus() == TestExecutionResult.Status.SUCCESSFUL;
                String name = id.getSource().filter(s -> s instanceof MethodSource)
                    .map(s -> ((MethodSource) s).getClassName() + "." + ((MethodSource) s).getMethodName())
                    .orElse(id.getDisplayName());
                if (id.isTest()) results.merge(name, ok, Boolean::logicalAnd);
                if (!ok) failures.add(name + ": " + result.getThrowable().map(Throwable::toString).orElse("failed"));
            }
            @Override public void executionSkipped(TestIdentifier id, String reason) {
                if (id.isTest()) results.put(id.getDisplayName(), false);
                failures.add(id.getDisplayName() + ": skipped: " + reason);
            }
        };
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectors).build(), listener);
        StringBuilder json = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, Boolean> e : results.entrySet()) {
            if (!first) json.append(',');
            first = false;
            json.append('"').append(e.getKey().replace("\\", "\\\\").replace("\"", "\\\"")).append("\":").append(e.getValue());
        }
        json.append('}');
        for (String f : failures) out.println("FAILED: " + f);
        out.println();
        out.println("TB-JUNIT " + json);
        out.println(token);
        out.flush();
    }
}
'''


def run(cmd, stdin=None):
    r = subprocess.run(cmd, cwd=work, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENV)
    return r.returncode, r.stdout.decode("utf-8", "replace")


sources = sorted(glob.glob(os.path.join(work, "src", "**", "*.java"), recursive=True))
tests = sorted(glob.glob(os.path.join(work, "tests", "**", "*.java"), recursive=True))
findings = tb_harness.machinery(sources, work, MACHINERY, strings=True)

expected, classes, problems = [], [], []
for path in tests:
    code = tb_harness.strip_comments(tb_harness.read(path), strings=True)
    package = re.search(r"^\s*package\s+([\w.]+)\s*;", code, flags=re.M)
    prefix = package.group(1) + "." if package else ""
    # A top-level class is named as its file; its `@Test` methods are the tests.
    listed = re.findall(r"@Test\b(?:\s*@\w+(?:\([^)]*\))?)*\s+(?:public\s+|protected\s+)?void\s+(\w+)\s*\(", code)
    cls = prefix + os.path.splitext(os.path.basename(path))[0]
    if listed:
        classes.append(cls)
        expected += [cls + "." + t for t in listed]

rc, text = run([JAVAC, "-nowarn", "-encoding", "UTF-8"] + ["-J" + f for f in JVM] + ["-cp", JUNIT, "-d", out] + sources + tests)
print(text)
if rc:
    problems.append("the sources or the tests do not compile")
results = {}
if not problems and classes:
    launcher_source = os.path.join(os.getcwd(), "TbLauncher.java")
    with open(launcher_source, "w", encoding="utf-8") as f:
        f.write(LAUNCHER)
    launcher_dir = os.path.join(os.getcwd(), "launcher")
    rc, text = run([JAVAC, "-nowarn"] + ["-J" + f for f in JVM] + ["-cp", JUNIT, "-d", launcher_dir, launcher_source])
    if rc:
        print(text)
        problems.append("the test launcher does not compile on this JDK")
    else:
        rc, text = run([JAVA] + JVM + ["-cp", os.pathsep.join([launcher_dir, out, JUNIT]), "TbLauncher"] + classes,
                       stdin=(token + "\n").encode())
        print(text.replace(token, "[token]").replace("TB-RESULT", "TB-RESULT(child)"))
        lines = text.rstrip().split("\n")
        if rc != 0 or len(lines) < 2 or lines[-1].strip() != token or not lines[-2].startswith("TB-JUNIT "):
            problems.append("the tests did not run to the end (exit status %d)" % rc)
        else:
            results = json.loads(lines[-2][len("TB-JUNIT "):])

tb_harness.verdict(expected, results, problems, findings)
