#nullable enable
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Dagon.Dsl.Declarations;
using Dagon.Rules;
using Microsoft.CodeAnalysis;
using static Dagon.Dsl.Analyzers.DiagnosticDescriptors;

namespace Dagon.Dsl.Analyzers;

/// <summary>The checks of one workflow declaration, in the order a reader would look for mistakes.</summary>
internal sealed partial class WorkflowChecks
{
    private readonly WorkflowDeclaration _workflow;
    private readonly Lazy<HashSet<string>> _workflowNames;
    private readonly string? _projectDirectory;
    private readonly Action<Diagnostic> _report;
    private readonly Compilation _compilation;

    public WorkflowChecks(Compilation compilation, WorkflowDeclaration workflow, Lazy<HashSet<string>> workflowNames, string? projectDirectory, Action<Diagnostic> report)
    {
        _compilation = compilation;
        _workflow = workflow;
        _workflowNames = workflowNames;
        _projectDirectory = projectDirectory;
        _report = report;
    }

    public void Run()
    {
        CheckWorkflow();
        var names = new HashSet<string>(_workflow.Tasks.Select(t => t.Name), StringComparer.Ordinal);
        CheckDuplicates();
        foreach (var task in _workflow.Tasks)
        {
            CheckTask(task, names);
        }

        CheckCycles();
    }

    private void CheckWorkflow()
    {
        foreach (var outer in _workflow.ContainingTypes)
        {
            if (!outer.IsPartial) Report(NotPartial, outer.Identifier, outer.Name);
        }

        if (!_workflow.IsPartial) Report(NotPartial, _workflow.Identifier, _workflow.ClassName);
        if (_workflow.IsGeneric) Report(UnsupportedClassShape, _workflow.Identifier, _workflow.ClassName, "generic");
        if (_workflow.Name.Trim().Length == 0) Report(EmptyWorkflowName, _workflow.NameLocation ?? _workflow.Identifier);
        else if (!NameRules.IsReferenceableName(_workflow.Name)) Report(UnreferenceableName, _workflow.NameLocation ?? _workflow.Identifier, "workflow", _workflow.Name);
        if (_workflow.DefaultImage is { } image) CheckImage(image, "workflow '" + _workflow.Name + "'");
        if (_workflow.Pull is { } pull && !Enum.IsDefined(typeof(Dagon.Model.PullPolicy), pull.Value))
        {
            Report(UnknownPullPolicy, pull.Location, "Workflow '" + _workflow.Name + "'", pull.Value);
        }
    }

    private void CheckDuplicates()
    {
        foreach (var group in _workflow.Tasks.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            foreach (var task in group) Report(DuplicateTaskName, task.NameLocation ?? task.Identifier, _workflow.Name, task.Name);
        }
    }

    private void CheckTask(TaskDeclaration task, HashSet<string> names)
    {
        if (task.ConflictingAttribute is { } conflicting)
        {
            Report(ConflictingTaskKinds, conflicting, task.ClassName, task.Kind == DeclaredTaskKind.Batch ? "BatchTask" : "ApptainerTask");
        }

        if (!task.IsPartial) Report(NotPartial, task.Identifier, task.ClassName);
        if (task.NameLocation is { } nameLocation && !NameRules.IsReferenceableName(task.Name)) Report(UnreferenceableName, nameLocation, "task", task.Name);
        if (task.IsStatic) Report(UnsupportedClassShape, task.Identifier, task.ClassName, "static");
        if (task.BaseType is { } baseType) Report(UnsupportedClassShape, task.Identifier, task.ClassName, "derived from '" + baseType + "'");
        if (Array.IndexOf(WellKnownNames.GeneratedWorkflowMembers, task.ClassName) >= 0) Report(ReservedTaskClassName, task.Identifier, task.ClassName, _workflow.Name);

        switch (task.CommandKind)
        {
            case CommandKind.Missing:
                Report(EmptyCommand, task.Attribute, task.Name);
                break;
            case CommandKind.Constant when task.Command!.Value.Trim().Length == 0:
                Report(EmptyCommand, task.Command.Location, task.Name);
                break;
            case CommandKind.RunTime when task.BuildCommandLocation is { } location:
                Report(RunTimeCommand, location, task.Name);
                break;
        }

        foreach (var reference in task.References)
        {
            if (!WorkflowGraph.IsLocal(_workflow, reference))
            {
                if (!_workflowNames.Value.Contains(reference.Workflow!)) Report(UnknownWorkflow, reference.TaskLocation, task.Name, reference.Workflow!, reference.Text);
            }
            else if (reference.Task == task.Name)
            {
                Report(SelfDependency, reference.TaskLocation, task.Name);
            }
            else if (!names.Contains(reference.Task))
            {
                var suggestion = ClosestName.Find(reference.Task, names);
                var properties = ImmutableDictionary<string, string?>.Empty.Add(WorkflowAnalyzer.UnknownNameProperty, reference.Task);
                if (suggestion is not null && reference.IsExact) properties = properties.Add(WorkflowAnalyzer.SuggestionProperty, suggestion);
                _report(Diagnostic.Create(UnknownTask, ToLocation(reference.TaskLocation), properties,
                    task.Name, reference.Task, reference.Text, suggestion is null ? string.Empty : "; did you mean '" + suggestion + "'?"));
            }
        }

        foreach (var malformed in task.MalformedReferences) Report(MalformedReference, malformed.Location, task.Name, malformed.Text);
        OutputChecks.Check(_workflow, task, ToLocation, _report);

        foreach (var dependency in task.DependsOn)
        {
            if (dependency.TargetClassName is null) Report(DependsOnNonTask, dependency.Location, task.Name, dependency.TargetDisplay, _workflow.Name);
            else if (dependency.TargetClassName == task.ClassName) Report(SelfDependency, dependency.Location, task.Name);
        }

        // A batch task runs on the host: it needs no image, and [BatchTask] has no Image, BindPaths or OverlaySize.
        if (task.Image is { } image) CheckImage(image, "task '" + task.Name + "'");
        else if (task.Kind == DeclaredTaskKind.Apptainer && _workflow.DefaultImage is null) Report(MissingImage, task.Identifier, task.Name, _workflow.Name);

        foreach (var bind in task.BindPaths)
        {
            if (BindRules.Check(bind.Value) is { } error) Report(InvalidBind, bind.Location, task.Name, error);
        }

        if (task.OverlaySize is { } overlay && OverlayRules.Check(overlay.Value) is { } overlayError)
        {
            Report(InvalidOverlaySize, overlay.Location, task.Name, overlay.Value, overlayError);
        }

        if (task.TimeoutSeconds is { Value: <= 0 } timeout) Report(NonPositiveTimeout, timeout.Location, task.Name, timeout.Value);
        ContainerSettingsChecks.Check(task, Report);
        CheckSlurm(task);
        CheckRetries(task);
    }

    private void CheckImage(StringArgument image, string owner)
    {
        if (ImageRules.Check(image.Value) is { } error)
        {
            Report(MalformedImage, image.Location, owner, error);
            return;
        }

        if (_projectDirectory is null || !ImageRules.IsRelativeImageFile(image.Value)) return;
#pragma warning disable RS1035 // The check is about the file system: a relative .sif/.def must exist in the project (docs/diagnostics.md#dag006).
        var exists = File.Exists(Path.Combine(_projectDirectory, image.Value));
#pragma warning restore RS1035
        if (!exists) Report(ImageFileNotFound, image.Location, image.Value, _projectDirectory!);
    }

    private void CheckCycles()
    {
        var byName = new Dictionary<string, TaskDeclaration>(StringComparer.Ordinal);
        foreach (var task in _workflow.Tasks)
        {
            if (!byName.ContainsKey(task.Name)) byName[task.Name] = task;
        }

        foreach (var cycle in new WorkflowGraph(_workflow).FindCycles())
        {
            Report(DependencyCycle, byName[cycle.Key].Identifier, cycle.Key, string.Join(" -> ", cycle.Value));
        }
    }

    private void Report(DiagnosticDescriptor descriptor, LocationInfo location, params object[] arguments) =>
        _report(Diagnostic.Create(descriptor, ToLocation(location), arguments));

    /// <summary>
    /// A location inside the compilation's own tree, so that <c>#pragma warning disable</c> and editor squiggles
    /// apply; <see cref="LocationInfo.ToLocation"/> would make an external-file location instead.
    /// </summary>
    private Location ToLocation(LocationInfo location)
    {
        foreach (var tree in _compilation.SyntaxTrees)
        {
            if (tree.FilePath == location.FilePath) return Location.Create(tree, location.Span);
        }

        return location.ToLocation();
    }
}
