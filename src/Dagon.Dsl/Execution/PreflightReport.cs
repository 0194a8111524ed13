using System.Text;

namespace Dagon.Execution;

/// <summary>What <c>--dry-run</c> checked: each check passed or the problem that would stop a real run.</summary>
public sealed class PreflightReport
{
    private readonly List<(bool Ok, string Text)> _checks = [];

    public IReadOnlyList<string> Problems => _checks.Where(c => !c.Ok).Select(c => c.Text).ToList();

    public bool CouldRun => _checks.All(c => c.Ok);

    internal void Pass(string text)
    {
        lock (_checks) _checks.Add((true, text));
    }

    internal void Fail(string text)
    {
        lock (_checks) _checks.Add((false, text));
    }

    public string Format(int taskCount)
    {
        var text = new StringBuilder();
        text.Append("Dry run: ").Append(taskCount).Append(taskCount == 1 ? " task" : " tasks").Append(" would run; nothing was started or built\n");
        foreach (var (ok, line) in _checks) text.Append(ok ? "  ok    " : "  FAIL  ").Append(line).Append('\n');
        var problems = Problems.Count;
        text.Append(problems == 0
            ? "Dry run passed: a real run could start\n"
            : $"Dry run FAILED: {problems} {(problems == 1 ? "problem" : "problems")}; a real run could not start\n");
        return text.ToString();
    }
}
