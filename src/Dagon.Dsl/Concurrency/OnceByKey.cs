using System.Collections.Concurrent;

namespace Dagon.Concurrency;

/// <summary>
/// Does a piece of work once per key in this process and shares the result with every caller that asks for the same
/// key: tasks of a run that need one image share one build, tasks on one host share one probe of it. A failed or
/// cancelled attempt is forgotten, so it does not poison later callers.
/// </summary>
public sealed class OnceByKey<TKey, TValue> where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Lazy<Task<TValue>>> _pending;

    public OnceByKey(IEqualityComparer<TKey>? comparer = null) => _pending = new(comparer);

    public Task<TValue> GetAsync(TKey key, Func<Task<TValue>> create)
    {
        var lazy = _pending.GetOrAdd(key, _ => new Lazy<Task<TValue>>(create));
        var task = lazy.Value;
        if (!task.IsCompletedSuccessfully)
        {
            // Forgotten as soon as it fails, so the next caller tries again (callers waiting now share the failure).
            _ = task.ContinueWith(
                _ => _pending.TryRemove(new KeyValuePair<TKey, Lazy<Task<TValue>>>(key, lazy)),
                CancellationToken.None,
                TaskContinuationOptions.NotOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        return task;
    }
}
