using Kse.Core;
using Npgsql;
using NpgsqlTypes;

namespace Kse.Storage.Postgres;

/// <summary>Small helpers for typed parameters and nullable reads.</summary>
internal static class Sql
{
    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null) => new(sql, connection, transaction);

    /// <summary>A text parameter. PostgreSQL text cannot hold NUL, so a value with one is refused by name rather than failing in the server.</summary>
    public static NpgsqlCommand Text(this NpgsqlCommand cmd, string name, string? value)
    {
        if (value is not null && value.Contains('\0', StringComparison.Ordinal))
        {
            throw KseException.BadInput("store.text_invalid", $"a value for '{name}' contains a NUL character, which the store cannot keep");
        }

        cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value });
        return cmd;
    }

    public static NpgsqlCommand Long(this NpgsqlCommand cmd, string name, long? value)
    {
        cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Bigint) { Value = (object?)value ?? DBNull.Value });
        return cmd;
    }

    public static NpgsqlCommand Int(this NpgsqlCommand cmd, string name, int value)
    {
        cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Integer) { Value = value });
        return cmd;
    }

    public static NpgsqlCommand Ticks(this NpgsqlCommand cmd, string name, DateTimeOffset? value) => cmd.Long(name, value?.UtcTicks);

    public static string? Str(this NpgsqlDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetString(i);
    }

    public static long? Long(this NpgsqlDataReader r, string column)
    {
        var i = r.GetOrdinal(column);
        return r.IsDBNull(i) ? null : r.GetInt64(i);
    }

    public static DateTimeOffset? Time(this NpgsqlDataReader r, string column) =>
        r.Long(column) is { } ticks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public static async ValueTask<List<T>> ListAsync<T>(NpgsqlCommand cmd, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            list.Add(read(r));
        }

        return list;
    }

    /// <summary>Filter columns only (the truth is kept as escaped JSON): NUL becomes U+FFFD, on both the stored and the queried side.</summary>
    public static string? Column(string? value) => value?.Replace('\0', '\uFFFD');
}
