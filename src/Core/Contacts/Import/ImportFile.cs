using System.Text;
using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.Core.Contacts.Import;

/// <summary>
/// An import file on disk: spooled from an upload (never held in memory, cut off past the size limit), then
/// checked from end to end before a single row is written — UTF-8 text, a header naming the columns, well-formed
/// CSV, at most the row limit — so a bad file is refused with a clear reason instead of being half imported.
/// </summary>
public static class ImportFile
{
    /// <summary>Strict UTF-8: invalid bytes throw instead of turning into U+FFFD.</summary>
    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Copies <paramref name="content"/> to <paramref name="path"/>; returns the byte count.</summary>
    public static async Task<long> SpoolAsync(Stream content, string path, long maxBytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var buffer = new byte[64 * 1024];
        var text = new Utf8Check();
        long total = 0;
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            text.Add(buffer.AsSpan(0, read));
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        text.End();

        if (total == 0)
        {
            throw Refused("The file is empty; send a CSV file whose first row names the columns (phone_e164 at least)");
        }

        await file.FlushAsync(cancellationToken);
        return total;
    }

    /// <summary>Reads the whole file once; returns its columns and the number of data rows (blank lines not counted).</summary>
    public static (ImportColumns Columns, long Rows) Check(string path, int maxRows)
    {
        using var reader = Open(path);
        var csv = new CsvRecords(reader);
        var fields = new List<string>();
        try
        {
            if (!csv.TryRead(fields) || fields.Count == 0 || fields.All(f => f.Trim().TrimStart('\uFEFF').Length == 0))
            {
                throw Refused("The file has no header row; the first row must name the columns, e.g. phone_e164,first_name,last_name,consent_capture");
            }

            if (fields.Any(f => PhoneNumberRules.ToE164(f.Trim().TrimStart('\uFEFF')) is not null))
            {
                throw Refused("The first row holds a phone number, so it is data, not a header; add a first row naming the columns, e.g. phone_e164,first_name,consent_capture");
            }

            var columns = ImportColumns.Parse(fields);
            long rows = 0;
            while (csv.TryRead(fields))
            {
                if (fields.Count > 0 && ++rows > maxRows)
                {
                    throw Refused($"The file has more than {maxRows} rows; split it into files of at most {maxRows} rows");
                }
            }

            return (columns, rows);
        }
        catch (DecoderFallbackException)
        {
            throw NotUtf8(null);
        }
        catch (CsvFormatException ex)
        {
            throw Refused(ex.Message);
        }
    }

    public static StreamReader Open(string path) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024), Utf8, detectEncodingFromByteOrderMarks: false, 64 * 1024);

    public static ApplianceException TooLarge(long maxBytes) =>
        new(ErrorKind.TooLarge, $"The file is larger than {maxBytes / (1024 * 1024)} MiB (Contacts:Import:MaxBytes); split it into smaller files", "file");

    private static ApplianceException Refused(string message) => new FieldErrors().Add("file", message).ToException();

    private static ApplianceException NotUtf8(long? line) =>
        Refused($"The file is not UTF-8 text (invalid bytes{(line is null ? "" : $" on line {line}")}); save it as \"CSV UTF-8\" and upload it again");

    /// <summary>Checks bytes as they stream by for valid UTF-8, counting lines so that a failure can say where.</summary>
    private sealed class Utf8Check
    {
        private readonly char[] _chars = new char[64 * 1024];
        private readonly byte[] _carry = new byte[4];
        private int _carried;
        private long _line = 1;

        public void Add(ReadOnlySpan<byte> bytes)
        {
            while (bytes.Length > 0)
            {
                // At most three bytes of a character split between chunks wait for the next one.
                ReadOnlySpan<byte> input = bytes;
                if (_carried > 0)
                {
                    var joined = new byte[_carried + Math.Min(bytes.Length, _chars.Length - _carried)];
                    _carry.AsSpan(0, _carried).CopyTo(joined);
                    bytes[..(joined.Length - _carried)].CopyTo(joined.AsSpan(_carried));
                    input = joined;
                }
                else if (input.Length > _chars.Length)
                {
                    input = input[.._chars.Length];
                }

                var consumedFromBytes = input.Length - _carried;
                var status = System.Text.Unicode.Utf8.ToUtf16(input, _chars, out var read, out _, replaceInvalidSequences: false, isFinalBlock: false);
                _line += input[..read].Count((byte)'\n');
                _carried = 0;
                if (status == System.Buffers.OperationStatus.InvalidData)
                {
                    throw NotUtf8(_line);
                }

                if (status == System.Buffers.OperationStatus.NeedMoreData)
                {
                    var rest = input[read..];
                    rest.CopyTo(_carry);
                    _carried = rest.Length;
                }

                bytes = bytes[consumedFromBytes..];
            }
        }

        public void End()
        {
            if (_carried > 0)
            {
                throw NotUtf8(_line);
            }
        }
    }
}
