using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Cualify.Appliance.Dialer.Recording;

/// <summary>
/// The one thread that writes every call's recording. Recorders hand it whole seconds of interleaved audio (one
/// write per call and second, each at its own offset), so the media clock never waits on a file, a write or a lock
/// the file holds. A file whose chunks pile up past <see cref="MaxQueuedChunks"/> (the disk is not keeping up) has
/// further chunks dropped, which leaves silence in their place and keeps memory bounded per call. Buffers are reused.
/// </summary>
public sealed class RecordingWriter
{
    public const int ChunkBytes = StereoWavWriter.BytesPerSecond;
    public const int MaxQueuedChunks = 8;
    // Spare chunks for 1,000 recorded calls (32 MB at most): chunks not reused are new arrays, and each garbage
    // collection they cause stops the media clock for tens of milliseconds on a busy machine (BENCHMARKS.md).
    private const int MaxPooledChunks = 1024;

    private readonly Channel<Job> _jobs = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentQueue<byte[]> _pool = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long ChunksDropped => Interlocked.Read(ref _dropped);

    private long _dropped;

    /// <summary>Writes on a thread of its own until cancelled, then writes what is still queued and stops.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public byte[] RentChunk() => _pool.TryDequeue(out var chunk) ? chunk : new byte[ChunkBytes];

    /// <summary>
    /// Queues <paramref name="length"/> bytes of <paramref name="chunk"/> for <paramref name="file"/> at
    /// <paramref name="dataOffset"/>; the chunk belongs to the writer from here on. Returns false when the chunk was
    /// dropped because the file already has <see cref="MaxQueuedChunks"/> waiting (unless <paramref name="mustWrite"/>).
    /// </summary>
    public bool Write(StereoWavWriter file, byte[] chunk, int length, long dataOffset, bool mustWrite = false)
    {
        if (!mustWrite && Volatile.Read(ref file.Queued) >= MaxQueuedChunks)
        {
            Interlocked.Increment(ref _dropped);
            Return(chunk);
            return false;
        }

        Interlocked.Increment(ref file.Queued);
        var job = new Job(file, chunk, length, dataOffset, null);
        if (!_jobs.Writer.TryWrite(job))
        {
            Do(job);
        }

        return true;
    }

    /// <summary>Completes once every chunk queued for <paramref name="file"/> so far is written; faults with the first write error.</summary>
    public Task WrittenAsync(StereoWavWriter file)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_jobs.Writer.TryWrite(new Job(file, null, 0, 0, done)))
        {
            return _stopped.Task.ContinueWith(_ => Check(file), TaskScheduler.Default);
        }

        return done.Task;
    }

    private void Run(CancellationToken cancellationToken)
    {
        var reader = _jobs.Reader;
        try
        {
            while (reader.WaitToReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
            {
                Drain(reader);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _jobs.Writer.TryComplete();
            Drain(reader);
            _stopped.TrySetResult();
        }
    }

    private void Drain(ChannelReader<Job> reader)
    {
        while (reader.TryRead(out var job))
        {
            Do(job);
        }
    }

    private void Do(Job job)
    {
        if (job.Done is { } done)
        {
            if (job.File.Failure is { } failure)
            {
                done.TrySetException(failure);
            }
            else
            {
                done.TrySetResult();
            }

            return;
        }

        try
        {
            if (job.File.Failure is null)
            {
                job.File.Write(job.Chunk.AsSpan(0, job.Length), job.DataOffset);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            job.File.Failure = exception;
        }
        finally
        {
            Interlocked.Decrement(ref job.File.Queued);
            Return(job.Chunk!);
        }
    }

    private void Return(byte[] chunk)
    {
        if (_pool.Count < MaxPooledChunks)
        {
            _pool.Enqueue(chunk);
        }
    }

    private static void Check(StereoWavWriter file)
    {
        if (file.Failure is { } failure)
        {
            throw failure;
        }
    }

    private readonly record struct Job(StereoWavWriter File, byte[]? Chunk, int Length, long DataOffset, TaskCompletionSource? Done);
}
