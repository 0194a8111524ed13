using System.Diagnostics;
using Dagon.Containers;
using Dagon.LocalFiles;
using Dagon.Places;
using Microsoft.Extensions.Logging;

namespace Dagon.Images;

/// <summary>
/// Makes a task's writable overlay image. On this machine it is a sparse copy of a cached empty overlay of the same
/// size (milliseconds, where mkfs takes over a second); on a remote place it is made there with
/// <c>apptainer overlay create</c>, by the user that will write through it.
/// </summary>
public sealed class OverlayFactory(ImageCache localImages, ContainerUserAccess access, ILogger<OverlayFactory> logger)
{
    /// <exception cref="ImagePreparationException">The overlay could not be made; the message names the folder and why.</exception>
    public async Task<TimeSpan> CreateAsync(IPlace place, string apptainer, int sizeMb, string path, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var folder = path[..path.LastIndexOf('/')];
        if (place.Host is null) await CopyTemplateAsync(apptainer, sizeMb, path, folder, cancellationToken).ConfigureAwait(false);
        else await CreateOnPlaceAsync(place, apptainer, sizeMb, path, folder, cancellationToken).ConfigureAwait(false);
        return stopwatch.Elapsed;
    }

    private async Task CopyTemplateAsync(string apptainer, int sizeMb, string path, string folder, CancellationToken cancellationToken)
    {
        // Checked before anything is made: a template of 10,000,000 MB would otherwise be zero-filled for minutes
        // before failing, and an overlay larger than its folder's free space fails only once the task fills it.
        EnsureRoom(sizeMb, folder, "the task's work folder");
        EnsureRoom(sizeMb, localImages.Directory, "the image cache, where the overlay's empty template is kept");
        string template;
        try
        {
            template = await localImages.OverlayTemplateAsync(sizeMb, apptainer, cancellationToken).ConfigureAwait(false);
        }
        catch (ImagePreparationException exception)
        {
            throw new ImagePreparationException($"could not create the {sizeMb} MB overlay: {exception.Message}");
        }

        try
        {
            SparseFile.Copy(template, path);
            access.GrantFile(path);
            logger.LogInformation("Overlay created: {Path} ({Size}MB)", path, sizeMb);
        }
        catch (IOException exception)
        {
            throw new ImagePreparationException($"could not create the {sizeMb} MB overlay {path}: {exception.Message}.{NoSpaceHint(exception.Message, exception.HResult, folder)}");
        }
    }

    private async Task CreateOnPlaceAsync(IPlace place, string apptainer, int sizeMb, string path, string folder, CancellationToken cancellationToken)
    {
        logger.LogInformation("Creating {Size}MB overlay on {Place}: {Path}", sizeMb, place.Description, path);
        var result = await place.RunAsync(new PlaceCommand(ApptainerCommandLine.CreateOverlay(apptainer, sizeMb, path)), cancellationToken)
            .ConfigureAwait(false);
        if (!result.Succeeded)
        {
            var detail = string.Join(" | ", result.StderrTail);
            throw new ImagePreparationException(
                $"creating the {sizeMb} MB overlay {path} on {place.Description} failed (exit {result.ExitCode?.ToString() ?? result.Signal}): {detail}" +
                NoSpaceHint(detail, 0, folder));
        }

        logger.LogInformation("Overlay created on {Place}: {Path}", place.Description, path);
    }

    private static void EnsureRoom(int sizeMb, string folder, string what)
    {
        if (FreeSpace.At(folder) is not { } free || free >= (long)sizeMb * 1024 * 1024) return;
        throw new ImagePreparationException(
            $"could not create the {sizeMb} MB overlay: it does not fit in {folder} ({what}), where {free / (1024 * 1024)} MB are free. " +
            $"There is not enough free space in {folder}: free some, choose another tmp_dir, or lower the task's overlay size " +
            "(or use WritableTmpfs for small scratch space)");
    }

    private static string NoSpaceHint(string message, int hresult, string folder) =>
        hresult == 28 || message.Contains("space", StringComparison.OrdinalIgnoreCase)
            ? $" There is not enough free space in {folder}: free some, choose another tmp_dir, or lower the task's overlay size."
            : string.Empty;
}
