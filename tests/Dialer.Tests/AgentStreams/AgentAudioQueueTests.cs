using System.Text;
using Cualify.Appliance.Dialer.AgentStreams;

namespace Cualify.Appliance.Dialer.Tests.AgentStreams;

/// <summary>The jitter buffer between an agent and the line, tick by tick (each <see cref="AgentAudioQueue.Take"/> is one 20 ms frame).</summary>
public sealed class AgentAudioQueueTests
{
    [Fact]
    public void Chunks_of_any_size_leave_as_whole_frames_in_order_and_a_short_tail_waits_one_tick_then_plays()
    {
        var queue = new AgentAudioQueue();
        var audio = Enumerable.Range(0, 500).Select(i => (byte)i).ToArray();
        queue.Enqueue(audio[..7]);
        queue.Enqueue(audio[7..340]);
        queue.Enqueue(audio[340..341]);
        queue.Enqueue(audio[341..]);
        var played = new List<byte>();
        var frame = new byte[160];
        var takes = new List<int>();
        for (var tick = 0; tick < 5; tick++)
        {
            var taken = queue.Take(frame, []);
            takes.Add(taken);
            played.AddRange(frame[..taken]);
        }

        Assert.Equal([160, 160, 160, 0, 20], takes);
        Assert.Equal(audio, played);
        Assert.Equal(0, queue.QueuedBytes);
    }

    [Fact]
    public void A_mark_is_released_only_once_every_byte_before_it_was_taken()
    {
        var queue = new AgentAudioQueue();
        var released = new List<string>();
        var frame = new byte[160];
        queue.Mark("before-anything");
        queue.Take(frame, released);
        Assert.Equal(["before-anything"], released);

        released.Clear();
        queue.Enqueue(new byte[400]);
        queue.Mark("after-400");
        queue.Take(frame, released);
        queue.Take(frame, released);
        Assert.Empty(released);
        queue.Take(frame, released); // the 80-byte tail waits a tick
        Assert.Empty(released);
        Assert.Equal(80, queue.Take(frame, released));
        Assert.Equal(["after-400"], released);
    }

    [Fact]
    public void Clear_drops_the_queue_so_the_next_frame_is_silent_and_hands_back_pending_marks_in_order()
    {
        var queue = new AgentAudioQueue();
        queue.Enqueue(new byte[8000]);
        queue.Mark("one");
        queue.Enqueue(new byte[8000]);
        queue.Mark("two");
        var released = new List<string>();
        Assert.Equal(160, queue.Take(new byte[160], released));

        Assert.Equal(["one", "two"], queue.Clear());
        Assert.Equal(0, queue.Take(new byte[160], released));
        Assert.Empty(released);
        queue.Mark("three");
        queue.Take(new byte[160], released);
        Assert.Equal(["three"], released);
    }

    [Fact]
    public void An_agent_far_ahead_of_the_line_is_cut_at_the_capacity_and_the_excess_counted()
    {
        var queue = new AgentAudioQueue(capacityBytes: 1000);
        queue.Enqueue(new byte[700]);
        queue.Enqueue(new byte[700]);
        Assert.Equal(1000, queue.QueuedBytes);
        Assert.Equal(400, queue.DroppedBytes);
    }

    [Theory]
    [InlineData("""{"event":"media","streamSid":"MZ1","media":{"payload":"AAEC"}}""", "media:3")]
    [InlineData("""{"event":"mark","streamSid":"MZ1","mark":{"name":"turn-1"}}""", "mark:turn-1")]
    [InlineData("""{"event":"clear","streamSid":"MZ1"}""", "clear")]
    [InlineData("""{"event":"media","media":{"payload":"not base64!"}}""", "none")]
    [InlineData("""{"event":"mark","mark":{}}""", "none")]
    [InlineData("""{"event":"dance"}""", "none")]
    [InlineData("""[1,2]""", "none")]
    [InlineData("""{"event":""", "none")]
    public void Agent_messages_are_read_as_Twilio_defines_them_and_anything_else_is_ignored(string json, string expected)
    {
        var read = AgentMessage.Parse(Encoding.UTF8.GetBytes(json)) switch
        {
            AgentMedia media => $"media:{media.Ulaw.Length}",
            AgentMark mark => $"mark:{mark.Name}",
            AgentClear => "clear",
            _ => "none",
        };
        Assert.Equal(expected, read);
    }
}
