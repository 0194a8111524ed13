// Owned by common/ and linked into the runtime, the generator and the analyzers (Dagon.Dsl.Rules.props), so that
// all three agree on what a workflow:// reference is. Public because the runtime's TaskDefinition.References exposes
// it. Keep it free of APIs newer than netstandard2.0.
#nullable enable
using System.Collections.Generic;

namespace Dagon.Model
{
    /// <summary>
    /// A <c>workflow:///Task/path</c> (same workflow) or <c>workflow://Workflow/Task/path</c> reference found in a
    /// task's command. <see cref="Start"/> and <see cref="Length"/> locate the whole reference in the command;
    /// <see cref="TaskStart"/> locates the task name, so that diagnostics can point at it.
    /// </summary>
    public sealed class WorkflowReference : System.IEquatable<WorkflowReference>
    {
        public const string Scheme = "workflow://";

        public WorkflowReference(string? workflow, string task, string path, int start, int length, int taskStart)
        {
            Workflow = workflow;
            Task = task;
            Path = path;
            Start = start;
            Length = length;
            TaskStart = taskStart;
        }

        /// <summary>The referenced workflow's name, or null for the current workflow (<c>workflow:///</c>).</summary>
        public string? Workflow { get; }

        public string Task { get; }

        /// <summary>The file or directory relative to the producing task's working directory; empty for the whole directory.</summary>
        public string Path { get; }

        public int Start { get; }

        public int Length { get; }

        public int TaskStart { get; }

        public string Text => Scheme + (Workflow ?? string.Empty) + "/" + Task + (Path.Length > 0 ? "/" + Path : string.Empty);

        public bool Equals(WorkflowReference? other) =>
            other is not null && Workflow == other.Workflow && Task == other.Task && Path == other.Path &&
            Start == other.Start && Length == other.Length && TaskStart == other.TaskStart;

        public override bool Equals(object? obj) => Equals(obj as WorkflowReference);

        public override int GetHashCode()
        {
            unchecked
            {
                var hash = (Workflow?.GetHashCode() ?? 0) * 397 ^ Task.GetHashCode();
                hash = hash * 397 ^ Path.GetHashCode();
                return hash * 397 ^ Start;
            }
        }

        public override string ToString() => Text;
    }

    /// <summary>Finds workflow:// references in shell commands.</summary>
    public static class WorkflowReferenceParser
    {
        /// <summary>
        /// Returns every reference in <paramref name="command"/>, in order. A reference ends at whitespace or at a
        /// character the shell treats specially (quotes, <c>;|&amp;&lt;&gt;()$`\</c>), so that
        /// <c>cat workflow:///A/f.txt;</c> and <c>"workflow:///A/f.txt"</c> both yield <c>f.txt</c>.
        /// Text that starts with the scheme but names no task is returned in <paramref name="malformed"/>.
        /// </summary>
        public static IReadOnlyList<WorkflowReference> Parse(string? command, List<MalformedReference>? malformed = null)
        {
            var references = new List<WorkflowReference>();
            if (command == null || command.Length == 0)
            {
                return references;
            }

            var index = 0;
            while ((index = command.IndexOf(WorkflowReference.Scheme, index, System.StringComparison.Ordinal)) >= 0)
            {
                var start = index;
                var end = start + WorkflowReference.Scheme.Length;
                while (end < command.Length && !EndsReference(command[end]))
                {
                    end++;
                }

                var body = command.Substring(start + WorkflowReference.Scheme.Length, end - start - WorkflowReference.Scheme.Length);
                var bodyStart = start + WorkflowReference.Scheme.Length;

                // workflow:///Task/path has an empty authority (this workflow); workflow://Other/Task/path names one.
                string? workflow = null;
                var rest = body;
                var restStart = bodyStart;
                if (body.StartsWith("/", System.StringComparison.Ordinal))
                {
                    rest = body.Substring(1);
                    restStart++;
                }
                else
                {
                    var slash = body.IndexOf('/');
                    workflow = slash < 0 ? body : body.Substring(0, slash);
                    rest = slash < 0 ? string.Empty : body.Substring(slash + 1);
                    restStart = slash < 0 ? end : bodyStart + slash + 1;
                }

                var taskEnd = rest.IndexOf('/');
                var task = taskEnd < 0 ? rest : rest.Substring(0, taskEnd);
                var path = taskEnd < 0 ? string.Empty : rest.Substring(taskEnd + 1).TrimEnd('/');

                if (task.Length == 0 || (workflow != null && workflow.Length == 0))
                {
                    malformed?.Add(new MalformedReference(command.Substring(start, end - start), start, end - start));
                }
                else if (LeavesProducerFolder(path))
                {
                    // A reference reads below its producer's work folder; ".." would reach anything on the machine.
                    malformed?.Add(new MalformedReference(command.Substring(start, end - start), start, end - start,
                        "its path must stay inside the producing task's work folder (no '..' segments)"));
                }
                else
                {
                    references.Add(new WorkflowReference(workflow, task, path, start, end - start, restStart));
                }

                index = end;
            }

            return references;
        }

        private static bool LeavesProducerFolder(string path)
        {
            foreach (var segment in path.Split('/'))
            {
                if (segment == "..") return true;
            }

            return false;
        }

        /// <summary>True for the characters that end a reference: white space and what the shell treats specially.</summary>
        internal static bool EndsReference(char c) =>
            char.IsWhiteSpace(c) || c == '"' || c == '\'' || c == ';' || c == '|' || c == '&' || c == '<' ||
            c == '>' || c == '(' || c == ')' || c == '$' || c == '`' || c == '\\';
    }

    /// <summary>Text that begins with <c>workflow://</c> but is not a usable reference.</summary>
    public sealed class MalformedReference
    {
        public MalformedReference(string text, int start, int length, string? reason = null)
        {
            Reason = reason;
            Text = text;
            Start = start;
            Length = length;
        }

        public string Text { get; }

        /// <summary>Why the reference cannot be used, when it is more than a missing task name.</summary>
        public string? Reason { get; }

        public int Start { get; }

        public int Length { get; }
    }
}
