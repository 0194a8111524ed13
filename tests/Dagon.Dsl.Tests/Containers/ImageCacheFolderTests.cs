using Dagon.Containers;

namespace Dagon.Dsl.Tests.Containers;

public class ImageCacheFolderTests
{
    [Fact]
    public void WithoutHomeAndWithoutASettingThereIsNoDefaultCacheRatherThanARelativeFolder()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            new ApptainerOptions().ResolveImageCacheDir(fromEnvironment: null, privileged: false, xdg: null, home: ""));
        Assert.Contains("HOME is not set", error.Message);
        Assert.Contains("image_cache_dir", error.Message);
    }

    [Fact]
    public void TheDefaultFollowsHomeXdgTheEnvironmentAndTheSetting()
    {
        Assert.Equal("/home/u/.cache/dagon/images", new ApptainerOptions().ResolveImageCacheDir(null, false, null, "/home/u"));
        Assert.Equal("/x/dagon/images", new ApptainerOptions().ResolveImageCacheDir(null, false, "/x", ""));
        Assert.Equal("/var/cache/dagon/images", new ApptainerOptions().ResolveImageCacheDir(null, true, null, ""));
        Assert.Equal("/env", new ApptainerOptions().ResolveImageCacheDir("/env", false, null, ""));
        Assert.Equal("/set", new ApptainerOptions { ImageCacheDir = "/set" }.ResolveImageCacheDir(null, false, null, ""));
    }
}
