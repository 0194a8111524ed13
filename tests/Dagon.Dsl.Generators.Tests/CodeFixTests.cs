using Dagon.Dsl.CodeFixes;
using Dagon.Dsl.Generators.Tests.Infrastructure;

namespace Dagon.Dsl.Generators.Tests;

public class CodeFixTests
{
    [Fact]
    public Task UnknownTaskIsCorrectedToTheClosestTaskName() => CodeFixTest<UnknownTaskCodeFixProvider>.VerifyAsync("""
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public partial class Flow
        {
            [ApptainerTask(Command = "true")]
            public partial class Prepare;

            [ApptainerTask(Command = "cat workflow:///{|DAG001:prepar|}/out.txt > x")]
            public partial class Use;
        }
        """, """
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public partial class Flow
        {
            [ApptainerTask(Command = "true")]
            public partial class Prepare;

            [ApptainerTask(Command = "cat workflow:///Prepare/out.txt > x")]
            public partial class Use;
        }
        """);

    [Fact]
    public Task UnknownTaskFarFromEveryNameOffersNoFix() => CodeFixTest<UnknownTaskCodeFixProvider>.VerifyAsync("""
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public partial class Flow
        {
            [ApptainerTask(Command = "true")]
            public partial class Prepare;

            [ApptainerTask(Command = "cat workflow:///{|DAG001:Xyz|}/out.txt")]
            public partial class Use;
        }
        """, """
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public partial class Flow
        {
            [ApptainerTask(Command = "true")]
            public partial class Prepare;

            [ApptainerTask(Command = "cat workflow:///{|DAG001:Xyz|}/out.txt")]
            public partial class Use;
        }
        """);

    [Fact]
    public Task TaskClassWithoutModifiersIsMadePartial() => CodeFixTest<MakePartialCodeFixProvider>.VerifyAsync("""
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public partial class Flow
        {
            [ApptainerTask(Command = "true")]
            class {|DAG008:A|};
        }
        """, """
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public partial class Flow
        {
            [ApptainerTask(Command = "true")]
            partial class A;
        }
        """);

    [Fact]
    public Task PublicWorkflowClassIsMadePartialAfterItsModifiers() => CodeFixTest<MakePartialCodeFixProvider>.VerifyAsync("""
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public sealed class {|DAG008:Flow|}
        {
            [ApptainerTask(Command = "true")]
            public partial class A;
        }
        """, """
        using Dagon;

        [Workflow("wf", DefaultImage = "docker://alpine:3")]
        public sealed partial class Flow
        {
            [ApptainerTask(Command = "true")]
            public partial class A;
        }
        """);
}
