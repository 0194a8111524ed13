using Dagon.LocalFiles;

namespace Dagon.Dsl.Tests.LocalFiles;

/// <summary>Folders the engine keeps across runs are owner-only, whatever an earlier version or a hand left.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContainerUserAccessTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dagon-access-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupWrite | UnixFileMode.GroupRead
        | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute)]
    public void AFolderOpenToOthersIsClosedToTheOwnerOnly(UnixFileMode open)
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "cache")).FullName;
        File.SetUnixFileMode(folder, open);

        Assert.True(new ContainerUserAccess(null).CloseIfOpen(folder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
    }

    [Fact]
    public void AnOwnerOnlyFolderIsLeftAsItIs()
    {
        var folder = Path.Combine(_root, "a", "b");
        var access = new ContainerUserAccess(null);
        access.CreateDirectory(folder);

        Assert.False(access.CloseIfOpen(folder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_root, "a")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
    }
}
