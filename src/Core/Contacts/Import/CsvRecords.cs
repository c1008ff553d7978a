using System.Buffers;
using System.Text;

namespace Cualify.Appliance.Core.Contacts.Import;

/// <summary>A CSV file broke the format (RFC 4180) at a record; the message says where and what.</summary>
public sealed class CsvFormatException(long record, string message) : Exception(message)
{
    public long Record { get; } = record;
}

/// <summary>
/// Reads RFC 4180 records one at a time from a text stream (comma separated, fields optionally in double quotes,
/// <c>""</c> for a quote inside one, CRLF, LF or CR line ends; a quoted field may span lines), holding only the
/// current record in memory. <see cref="Record"/> numbers records from 1 (the header), blank lines included, so
/// numbers match what a spreadsheet shows for files without multi-line fields.
/// </summary>
public sealed class CsvRecords(TextReader reader)
{
    private const int End = -1;
    private static readonly SearchValues<char> UnquotedFieldEnds = SearchValues.Create(",\r\n");
    private readonly char[] _buffer = new char[32 * 1024];
    private readonly StringBuilder _field = new();
    private int _position;
    private int _length;

    /// <summary>The number of the record last read (1 for the header).</summary>
    public long Record { get; private set; }

    /// <summary>Reads the next record into <paramref name="fields"/>; false at the end of the file. A blank line gives no fields.</summary>
    public bool TryRead(List<string> fields)
    {
        fields.Clear();
        if (Peek() == End)
        {
            return false;
        }

        Record++;
        if (Peek() is '\r' or '\n')
        {
            EndOfLine();
            return true;
        }

        while (true)
        {
            fields.Add(ReadField());
            var next = Read();
            if (next == ',')
            {
                continue;
            }

            if (next == '\r' && Peek() == '\n')
            {
                Read();
            }

            return true;
        }
    }

    private string ReadField()
    {
        _field.Clear();
        if (Peek() != '"')
        {
            // Most fields end inside the buffer: cut them out in one search instead of a character at a time.
            var rest = _buffer.AsSpan(_position, _length - _position);
            var end = rest.IndexOfAny(UnquotedFieldEnds);
            if (end >= 0)
            {
                _position += end;
                return new string(rest[..end]);
            }

            while (Peek() is not (End or ',' or '\r' or '\n'))
            {
                _field.Append((char)Read());
            }

            return _field.ToString();
        }

        Read();
        while (true)
        {
            var c = Read();
            if (c == End)
            {
                throw new CsvFormatException(Record, $"Row {Record}: a quoted field is never closed; every opening \" needs a closing \"");
            }

            if (c == '"')
            {
                if (Peek() == '"')
                {
                    _field.Append((char)Read());
                    continue;
                }

                if (Peek() is not (End or ',' or '\r' or '\n'))
                {
                    throw new CsvFormatException(Record, $"Row {Record}: text follows a closing quote; write a quote inside a quoted field as \"\"");
                }

                return _field.ToString();
            }

            _field.Append((char)c);
        }
    }

    private void EndOfLine()
    {
        if (Read() == '\r' && Peek() == '\n')
        {
            Read();
        }
    }

    private int Peek()
    {
        if (_position == _length && !Fill())
        {
            return End;
        }

        return _buffer[_position];
    }

    private int Read()
    {
        var c = Peek();
        if (c != End)
        {
            _position++;
        }

        return c;
    }

    private bool Fill()
    {
        _length = reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length > 0;
    }
}
