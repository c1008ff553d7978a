using System.Net.Http.Headers;

namespace Cualify.Appliance.Relay.Tests;

public sealed record SseFrame(string? Id, string? Event, string? Data, string? Comment);

/// <summary>Reads Server-Sent Events frames as a browser's EventSource would.</summary>
public sealed class SseReader(StreamReader reader)
{
    public async Task<SseFrame> NextAsync(CancellationToken cancellationToken)
    {
        string? id = null, type = null, data = null, comment = null;
        while (true)
        {
            var line = await reader.ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException("the stream ended");
            if (line.Length == 0)
            {
                if (id is not null || type is not null || data is not null || comment is not null)
                {
                    return new SseFrame(id, type, data, comment);
                }

                continue;
            }

            if (line.StartsWith(':'))
            {
                comment = line[1..].Trim();
                continue;
            }

            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": data = data is null ? value : data + "\n" + value; break;
            }
        }
    }

    public async Task<List<SseFrame>> EventsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var events = new List<SseFrame>();
        while (events.Count < count)
        {
            var frame = await NextAsync(cts.Token);
            if (frame.Event is not null)
            {
                events.Add(frame);
            }
        }

        return events;
    }

    /// <summary>Opens <c>GET /api/v1/events</c> as an EventSource would.</summary>
    public static async Task<(HttpResponseMessage Response, SseReader Reader)> OpenAsync(HttpClient client, string query, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/events" + query);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return (response, new SseReader(new StreamReader(await response.Content.ReadAsStreamAsync())));
    }
}
