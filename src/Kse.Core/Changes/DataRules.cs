using System.Text;
using System.Text.RegularExpressions;

namespace Kse.Core.Changes;

/// <summary>L4 rules: SQL migrations and schema files, EF Core migrations, Flyway, Liquibase and Prisma. Modelled on what squawk and Atlas lint flag as unsafe.</summary>
internal static partial class DataRules
{
    [GeneratedRegex(@"^[VU]\d+(?:[._]\d+)*__.+\.sql$", RegexOptions.IgnoreCase)]
    private static partial Regex FlywayVersioned();

    [GeneratedRegex(@"^R__.+\.sql$", RegexOptions.IgnoreCase)]
    private static partial Regex FlywayRepeatable();

    [GeneratedRegex(@"^\s*--\s*(liquibase formatted sql|changeset\s)", RegexOptions.IgnoreCase)]
    private static partial Regex LiquibaseSqlMarker();

    private static bool IsMigrationPath(string path)
    {
        var lower = path.Replace('\\', '/').ToLowerInvariant();
        var name = lower[(lower.LastIndexOf('/') + 1)..];
        return FlywayVersioned().IsMatch(name) || name == "migration.sql"
            || FileKinds.IsUnder(lower, "migrations") || FileKinds.IsUnder(lower, "migration") || FileKinds.IsUnder(lower, "db/migrate")
            || FileKinds.IsUnder(lower, "flyway") || FileKinds.IsUnder(lower, "changelog") || FileKinds.IsUnder(lower, "changelogs")
            || name.Contains(".up.sql", StringComparison.Ordinal) || name.Contains(".down.sql", StringComparison.Ordinal);
    }

    // ---------- SQL ----------
    public static void Sql(DiffFile f, FindingSink s)
    {
        var name = Path.GetFileName(f.Path);
        if (name.Contains(".down.", StringComparison.OrdinalIgnoreCase) || name.StartsWith("U", StringComparison.Ordinal) && FlywayVersioned().IsMatch(name))
        {
            // Down/undo scripts reverse a migration; they run only on rollback, so they are read but do not raise destructive findings.
            s.Add("data.schema-changed", f, f.FirstChangedLine, $"rollback script {name} changed");
            return;
        }

        var liquibase = f.AllLines.Any(l => LiquibaseSqlMarker().IsMatch(l.Text));
        var migration = liquibase || IsMigrationPath(f.Path);
        var repeatable = FlywayRepeatable().IsMatch(name);
        if (migration && !repeatable && f.Status is DiffFileStatus.Modified or DiffFileStatus.Deleted or DiffFileStatus.Renamed
            && (!liquibase || HunkScan.HasRemovals(f)))
        {
            var tool = FlywayVersioned().IsMatch(name) ? "Flyway versioned migration" : liquibase ? "Liquibase changeset" : "migration";
            var what = f.Status == DiffFileStatus.Deleted ? "deleted" : "edited";
            s.Add("data.applied-migration-edited", f, f.FirstChangedLine, $"{tool} {name} {what}: databases that already applied it diverge (checksum mismatch); add a new migration instead", subject: name);
        }

        if (f.Status == DiffFileStatus.Deleted)
        {
            if (!migration)
            {
                s.Add("data.table-dropped", f, 1, $"schema file {name} deleted: its objects may be dropped by declarative tooling", subject: name);
            }

            return;
        }

        if (migration || repeatable)
        {
            foreach (var (statement, line) in ChangedStatements(f))
            {
                AnalyzeStatement(statement, line, f, s, name);
            }
        }
        else
        {
            DeclarativeSchema(f, s);
        }

        if (s.CountFor(f.Path) == 0 && HunkScan.HasChanges(f))
        {
            s.Add("data.schema-changed", f, f.FirstChangedLine, $"SQL file {name} changed");
        }
    }

    /// <summary>Statements on the new side that contain at least one added line, with the line where each starts.</summary>
    internal static IEnumerable<(string Statement, int Line)> ChangedStatements(DiffFile f)
    {
        foreach (var hunk in f.Hunks)
        {
            var sb = new StringBuilder();
            var start = 0;
            var touched = false;
            foreach (var l in hunk.Lines)
            {
                if (l.Kind == DiffLineKind.Removed)
                {
                    continue;
                }

                var text = StripSqlComment(l.Text);
                if (text.Trim().Length == 0)
                {
                    continue;
                }

                var parts = text.Split(';');
                for (var p = 0; p < parts.Length; p++)
                {
                    if (parts[p].Trim().Length > 0)
                    {
                        if (sb.Length == 0)
                        {
                            start = l.Line;
                            touched = false;
                        }

                        sb.Append(' ').Append(parts[p]);
                        touched |= l.Kind == DiffLineKind.Added;
                    }

                    if (p < parts.Length - 1)
                    {
                        if (touched && sb.Length > 0)
                        {
                            yield return (Normalize(sb.ToString()), start);
                        }

                        sb.Clear();
                    }
                }
            }

            if (touched && sb.ToString().Trim().Length > 0)
            {
                yield return (Normalize(sb.ToString()), start);
            }
        }
    }

    private static string StripSqlComment(string line)
    {
        var i = line.IndexOf("--", StringComparison.Ordinal);
        return i >= 0 ? line[..i] : line;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    private static string Normalize(string statement) => Whitespace().Replace(statement, " ").Trim();

    [GeneratedRegex(@"^CREATE\s+(?:GLOBAL\s+|LOCAL\s+)?(?:TEMP(?:ORARY)?\s+|UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?<t>[\w.""`\[\]]+)", RegexOptions.IgnoreCase)]
    private static partial Regex CreateTable();

    [GeneratedRegex(@"^DROP\s+(?<what>TABLE|SCHEMA|DATABASE|VIEW|MATERIALIZED\s+VIEW)\s+(?:IF\s+EXISTS\s+)?(?<t>[\w.""`\[\]]+)", RegexOptions.IgnoreCase)]
    private static partial Regex DropTable();

    [GeneratedRegex(@"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?<t>[\w.""`\[\]]+)\s+(?<rest>.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex AlterTable();

    [GeneratedRegex(@"\bDROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(?<c>(?!CONSTRAINT\b|INDEX\b|KEY\b|PRIMARY\b|FOREIGN\b|DEFAULT\b|NOT\b)[\w""`\[\]]+)", RegexOptions.IgnoreCase)]
    private static partial Regex DropColumn();

    [GeneratedRegex(@"\b(?:ALTER\s+(?:COLUMN\s+)?(?<c>[\w""`\[\]]+)\s+(?:SET\s+DATA\s+)?TYPE\b|MODIFY\s+(?:COLUMN\s+)?(?<c2>[\w""`\[\]]+)|CHANGE\s+(?:COLUMN\s+)?(?<c3>[\w""`\[\]]+)\s+[\w""`]+\s+\w|ALTER\s+COLUMN\s+(?<c4>[\w""`\[\]]+)\s+(?!SET\b|DROP\b|ADD\b|TYPE\b)\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex AlterType();

    [GeneratedRegex(@"\bADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?<c>(?!CONSTRAINT\b|INDEX\b|PRIMARY\b|FOREIGN\b|UNIQUE\b|CHECK\b)[\w""`\[\]]+)\s+(?<def>[^,]*)", RegexOptions.IgnoreCase)]
    private static partial Regex AddColumn();

    [GeneratedRegex(@"\bALTER\s+(?:COLUMN\s+)?(?<c>[\w""`\[\]]+)\s+SET\s+NOT\s+NULL", RegexOptions.IgnoreCase)]
    private static partial Regex SetNotNull();

    [GeneratedRegex(@"\bRENAME\b|^EXEC(?:UTE)?\s+sp_rename\b|^RENAME\s+TABLE\b", RegexOptions.IgnoreCase)]
    private static partial Regex Rename();

    [GeneratedRegex(@"^CREATE\s+(?:UNIQUE\s+)?(?:CLUSTERED\s+|NONCLUSTERED\s+)?INDEX\s+(?<conc>CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?<i>[\w.""`\[\]]*)\s*ON\s+(?:ONLY\s+)?(?<t>[\w.""`\[\]]+)", RegexOptions.IgnoreCase)]
    private static partial Regex CreateIndex();

    [GeneratedRegex(@"\bADD\s+(?:CONSTRAINT\s+[\w""`\[\]]+\s+)?(?<kind>FOREIGN\s+KEY|CHECK|UNIQUE|PRIMARY\s+KEY)", RegexOptions.IgnoreCase)]
    private static partial Regex AddConstraint();

    [GeneratedRegex(@"^(?<op>UPDATE|DELETE\s+FROM|DELETE|TRUNCATE(?:\s+TABLE)?)\s+(?<t>[\w.""`\[\]]+)", RegexOptions.IgnoreCase)]
    private static partial Regex DataRewrite();

    private static string Unquote(string identifier) => identifier.Trim('"', '`', '[', ']').Replace("\"", "", StringComparison.Ordinal).Replace("`", "", StringComparison.Ordinal).Replace("[", "", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal);

    /// <summary>One SQL statement from a migration: each unsafe operation in it becomes a finding.</summary>
    internal static void AnalyzeStatement(string statement, int line, DiffFile f, FindingSink s, string source)
    {
        if (CreateTable().Match(statement) is { Success: true } ct)
        {
            s.Add("data.table-created", f, line, $"table {Unquote(ct.Groups["t"].Value)} created ({source})", subject: Unquote(ct.Groups["t"].Value));
            return;
        }

        if (DropTable().Match(statement) is { Success: true } dt)
        {
            var what = dt.Groups["what"].Value.ToUpperInvariant();
            if (what.Contains("VIEW", StringComparison.Ordinal))
            {
                s.Add("data.schema-changed", f, line, $"view {Unquote(dt.Groups["t"].Value)} dropped: its readers fail", subject: Unquote(dt.Groups["t"].Value));
            }
            else
            {
                s.Add("data.table-dropped", f, line, $"{what.ToLowerInvariant()} {Unquote(dt.Groups["t"].Value)} dropped: its data is gone and running code that reads it fails", subject: Unquote(dt.Groups["t"].Value));
            }

            return;
        }

        if (CreateIndex().Match(statement) is { Success: true } ci)
        {
            var table = Unquote(ci.Groups["t"].Value);
            var online = ci.Groups["conc"].Success || Regex.IsMatch(statement, @"ONLINE\s*=\s*ON|LOCK\s*=\s*NONE", RegexOptions.IgnoreCase);
            if (online)
            {
                s.Add("data.index-created", f, line, $"index on {table} built online", subject: table);
            }
            else
            {
                s.Add("data.index-blocking", f, line, $"index on {table} built without CONCURRENTLY/ONLINE: writes to {table} block for the whole build", subject: table);
            }

            return;
        }

        if (AlterTable().Match(statement) is { Success: true } at)
        {
            var table = Unquote(at.Groups["t"].Value);
            var rest = at.Groups["rest"].Value;
            var any = false;
            if (Regex.IsMatch(rest, @"^RENAME\b", RegexOptions.IgnoreCase) || Regex.IsMatch(rest, @"\bRENAME\s+(COLUMN|TO|CONSTRAINT|INDEX)\b", RegexOptions.IgnoreCase))
            {
                s.Add("data.renamed", f, line, $"rename on {table}: running code that uses the old name fails until it is redeployed", subject: table);
                return;
            }

            foreach (Match m in DropColumn().Matches(rest))
            {
                var col = Unquote(m.Groups["c"].Value);
                s.Add("data.column-dropped", f, line, $"column {table}.{col} dropped: its data is gone and running code that reads it fails", subject: $"{table}.{col}");
                any = true;
            }

            foreach (Match m in AlterType().Matches(rest))
            {
                var col = Unquote(new[] { m.Groups["c"], m.Groups["c2"], m.Groups["c3"], m.Groups["c4"] }.First(g => g.Success).Value);
                s.Add("data.column-type-changed", f, line, $"column {table}.{col} changes type: the table is rewritten under an exclusive lock", subject: $"{table}.{col}");
                any = true;
            }

            foreach (Match m in SetNotNull().Matches(rest))
            {
                var col = Unquote(m.Groups["c"].Value);
                s.Add("data.not-null-without-default", f, line, $"SET NOT NULL on {table}.{col} scans the whole table under an exclusive lock and fails on existing NULLs", subject: $"{table}.{col}");
                any = true;
            }

            foreach (Match m in AddColumn().Matches(rest))
            {
                var col = Unquote(m.Groups["c"].Value);
                var def = m.Groups["def"].Value;
                if (Regex.IsMatch(def, @"\bNOT\s+NULL\b", RegexOptions.IgnoreCase) && !Regex.IsMatch(def, @"\bDEFAULT\b", RegexOptions.IgnoreCase))
                {
                    s.Add("data.not-null-without-default", f, line, $"column {table}.{col} added NOT NULL without DEFAULT: fails on a table with rows", subject: $"{table}.{col}");
                }
                else
                {
                    s.Add("data.column-added", f, line, $"column {table}.{col} added", subject: $"{table}.{col}");
                }

                any = true;
            }

            foreach (Match m in AddConstraint().Matches(rest))
            {
                if (!Regex.IsMatch(rest, @"\bNOT\s+VALID\b|\bUSING\s+INDEX\b", RegexOptions.IgnoreCase))
                {
                    s.Add("data.constraint-validating", f, line, $"{m.Groups["kind"].Value.ToUpperInvariant()} constraint on {table} validated while holding a lock: add it NOT VALID and VALIDATE separately", subject: table);
                    any = true;
                }
            }

            if (!any)
            {
                s.Add("data.schema-changed", f, line, $"table {table} altered", subject: table);
            }

            return;
        }

        if (Rename().IsMatch(statement))
        {
            s.Add("data.renamed", f, line, "rename: running code that uses the old name fails until it is redeployed");
            return;
        }

        if (DataRewrite().Match(statement) is { Success: true } dr)
        {
            var op = dr.Groups["op"].Value.ToUpperInvariant();
            var table = Unquote(dr.Groups["t"].Value);
            var unbounded = !op.StartsWith("TRUNCATE", StringComparison.Ordinal) && !Regex.IsMatch(statement, @"\bWHERE\b", RegexOptions.IgnoreCase);
            s.Add("data.data-rewrite", f, line, $"{op.Split(' ')[0]} on {table}{(unbounded || op.StartsWith("TRUNCATE", StringComparison.Ordinal) ? " touching every row" : "")}: back up first and batch large rewrites", subject: table);
            return;
        }

        if (Regex.IsMatch(statement, @"^(CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE)\b", RegexOptions.IgnoreCase))
        {
            s.Add("data.schema-changed", f, line, $"schema statement: {Truncate(statement)}");
        }
    }

    private static string Truncate(string s) => s.Length > 80 ? s[..80] + "…" : s;

    [GeneratedRegex(@"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?<t>[\w.""`\[\]]+)", RegexOptions.IgnoreCase)]
    private static partial Regex CreateTableLine();

    [GeneratedRegex(@"^\s*(?<c>[""`\[]?[A-Za-z_]\w*[""`\]]?)\s+(?<type>[A-Za-z]\w*(?:\s*\([^)]*\))?(?:\s+(?:varying|precision|with(?:out)?\s+time\s+zone))*)(?<rest>.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex ColumnLine();

    private static readonly HashSet<string> NotColumns = new(StringComparer.OrdinalIgnoreCase) { "constraint", "primary", "foreign", "unique", "check", "key", "index", "create", "alter", "drop", "insert", "on", "references", "exclude", "like", "partition" };

    /// <summary>Schema files that describe the desired state: a removed column line is a drop, a changed type is a type change.</summary>
    private static void DeclarativeSchema(DiffFile f, FindingSink s)
    {
        foreach (var hunk in f.Hunks)
        {
            var lines = hunk.Lines;
            var removedTables = new List<(string Name, DiffLine Line)>();
            var addedTables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var removedCols = new List<(string Table, string Col, string Type, DiffLine Line)>();
            var addedCols = new List<(string Table, string Col, string Type, string Tail, DiffLine Line)>();
            for (var i = 0; i < lines.Count; i++)
            {
                var l = lines[i];
                if (l.Kind == DiffLineKind.Context)
                {
                    continue;
                }

                if (CreateTableLine().Match(l.Text) is { Success: true } tm)
                {
                    if (l.Kind == DiffLineKind.Removed)
                    {
                        removedTables.Add((Unquote(tm.Groups["t"].Value), l));
                    }
                    else
                    {
                        addedTables.Add(Unquote(tm.Groups["t"].Value));
                    }

                    continue;
                }

                var table = HunkScan.Enclosing(hunk, i, CreateTableLine(), requireSmallerIndent: false);
                if (table is not null && ColumnLine().Match(l.Text) is { Success: true } cm && !NotColumns.Contains(Unquote(cm.Groups["c"].Value)))
                {
                    var t = Unquote(table.Groups["t"].Value);
                    if (l.Kind == DiffLineKind.Removed)
                    {
                        removedCols.Add((t, Unquote(cm.Groups["c"].Value), cm.Groups["type"].Value.ToLowerInvariant(), l));
                    }
                    else
                    {
                        addedCols.Add((t, Unquote(cm.Groups["c"].Value), cm.Groups["type"].Value.ToLowerInvariant(), cm.Groups["rest"].Value, l));
                    }

                    continue;
                }

                if (l.Kind == DiffLineKind.Added && Regex.IsMatch(l.Text, @"^\s*(CREATE|ALTER|DROP)\b", RegexOptions.IgnoreCase))
                {
                    AnalyzeStatement(Normalize(l.Text.TrimEnd(';')), l.Line, f, s, Path.GetFileName(f.Path));
                }
            }

            foreach (var t in removedTables.Where(t => !addedTables.Contains(t.Name)))
            {
                s.Add("data.table-dropped", f, t.Line.Line, $"table {t.Name} removed from the schema: applying it drops the table and its data", subject: t.Name);
            }

            foreach (var t in addedTables.Where(t => removedTables.All(r => !string.Equals(r.Name, t, StringComparison.OrdinalIgnoreCase))))
            {
                s.Add("data.table-created", f, f.FirstChangedLine, $"table {t} added to the schema", subject: t);
            }

            foreach (var r in removedCols)
            {
                if (removedTables.Any(t => t.Name == r.Table && !addedTables.Contains(t.Name)))
                {
                    continue;
                }

                var same = addedCols.FirstOrDefault(a => a.Table == r.Table && string.Equals(a.Col, r.Col, StringComparison.OrdinalIgnoreCase));
                if (same.Col is null)
                {
                    s.Add("data.column-dropped", f, r.Line.Line, $"column {r.Table}.{r.Col} removed from the schema: applying it drops the column", subject: $"{r.Table}.{r.Col}");
                }
                else if (same.Type != r.Type)
                {
                    s.Add("data.column-type-changed", f, same.Line.Line, $"column {r.Table}.{r.Col} changes type from {r.Type} to {same.Type}: table rewrite under lock", subject: $"{r.Table}.{r.Col}");
                }
                else if (Regex.IsMatch(same.Tail, @"\bNOT\s+NULL\b", RegexOptions.IgnoreCase) && !Regex.IsMatch(r.Line.Text, @"\bNOT\s+NULL\b", RegexOptions.IgnoreCase) && !Regex.IsMatch(same.Tail, @"\bDEFAULT\b", RegexOptions.IgnoreCase))
                {
                    s.Add("data.not-null-without-default", f, same.Line.Line, $"column {r.Table}.{r.Col} becomes NOT NULL: existing NULLs fail the migration", subject: $"{r.Table}.{r.Col}");
                }
            }

            foreach (var a in addedCols.Where(a => !addedTables.Contains(a.Table) && removedCols.All(r => r.Table != a.Table || !string.Equals(r.Col, a.Col, StringComparison.OrdinalIgnoreCase))))
            {
                var notNull = Regex.IsMatch(a.Tail, @"\bNOT\s+NULL\b", RegexOptions.IgnoreCase) && !Regex.IsMatch(a.Tail, @"\bDEFAULT\b", RegexOptions.IgnoreCase);
                s.Add(notNull ? "data.not-null-without-default" : "data.column-added", f, a.Line.Line,
                    notNull ? $"column {a.Table}.{a.Col} added NOT NULL without DEFAULT: fails on a table with rows" : $"column {a.Table}.{a.Col} added", subject: $"{a.Table}.{a.Col}");
            }
        }
    }

    // ---------- EF Core ----------
    [GeneratedRegex(@"migrationBuilder\s*\.\s*(?<op>\w+)(?:<[^>]*>)?\s*\(")]
    private static partial Regex EfCall();

    [GeneratedRegex(@"\b(protected\s+)?override\s+void\s+(?<m>Up|Down)\s*\(")]
    private static partial Regex EfMethod();

    [GeneratedRegex(@"\bname\s*:\s*""(?<v>[^""]+)""")]
    private static partial Regex EfName();

    [GeneratedRegex(@"\btable\s*:\s*""(?<v>[^""]+)""")]
    private static partial Regex EfTable();

    public static void EfMigration(DiffFile f, FindingSink s)
    {
        var name = Path.GetFileName(f.Path);
        if (f.Status is DiffFileStatus.Modified or DiffFileStatus.Deleted)
        {
            s.Add("data.applied-migration-edited", f, f.FirstChangedLine, $"EF Core migration {name} {(f.Status == DiffFileStatus.Deleted ? "deleted" : "edited")}: databases that applied it diverge; add a new migration instead", subject: name);
        }

        foreach (var hunk in f.Hunks)
        {
            var method = (HunkScan.Above(hunk, oldSide: false, EfMethod()) ?? EfMethod().Match(hunk.Section)) is { Success: true } sm ? sm.Groups["m"].Value : "Up";
            var call = new StringBuilder();
            var callLine = 0;
            var depth = 0;
            var touched = false;
            foreach (var l in hunk.Lines)
            {
                if (l.Kind == DiffLineKind.Removed)
                {
                    continue;
                }

                if (EfMethod().Match(l.Text) is { Success: true } mm)
                {
                    method = mm.Groups["m"].Value;
                    continue;
                }

                if (depth == 0)
                {
                    if (!l.Text.Contains("migrationBuilder", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    call.Clear();
                    callLine = l.Line;
                    touched = false;
                }

                call.Append(l.Text).Append('\n');
                touched |= l.Kind == DiffLineKind.Added;
                depth += l.Text.Count(c => c == '(') - l.Text.Count(c => c == ')');
                if (depth <= 0)
                {
                    depth = 0;
                    if (touched && method == "Up")
                    {
                        EfOperation(call.ToString(), callLine, f, s);
                    }
                }
            }
        }

        if (s.CountFor(f.Path) == 0 && HunkScan.HasChanges(f))
        {
            s.Add("data.schema-changed", f, f.FirstChangedLine, $"EF Core migration {name} changed");
        }
    }

    private static void EfOperation(string call, int line, DiffFile f, FindingSink s)
    {
        var op = EfCall().Match(call);
        if (!op.Success)
        {
            return;
        }

        var found = EfName().Match(call) is { Success: true } n ? n.Groups["v"].Value : null;
        var name = found ?? "?";
        var table = EfTable().Match(call) is { Success: true } t ? t.Groups["v"].Value : null;
        var subject = table is null ? found : found is null ? table : $"{table}.{found}";
        switch (op.Groups["op"].Value)
        {
            case "CreateTable":
                s.Add("data.table-created", f, line, $"EF Core creates table {name}", subject: name);
                break;
            case "DropTable":
                s.Add("data.table-dropped", f, line, $"EF Core drops table {name}: its data is gone", subject: name);
                break;
            case "AddColumn":
                var notNull = Regex.IsMatch(call, @"\bnullable\s*:\s*false") && !Regex.IsMatch(call, @"\b(defaultValue|defaultValueSql|computedColumnSql)\s*:");
                s.Add(notNull ? "data.not-null-without-default" : "data.column-added", f, line,
                    notNull ? $"EF Core adds non-nullable column {subject} without a default: fails on a table with rows (EF fills a CLR default silently on some providers)" : $"EF Core adds column {subject}", subject: subject);
                break;
            case "DropColumn":
                s.Add("data.column-dropped", f, line, $"EF Core drops column {subject}: its data is gone and running code that reads it fails", subject: subject);
                break;
            case "AlterColumn":
                if (Regex.IsMatch(call, @"\bnullable\s*:\s*false") && Regex.IsMatch(call, @"\boldNullable\s*:\s*true"))
                {
                    s.Add("data.not-null-without-default", f, line, $"EF Core makes {subject} NOT NULL: existing NULLs fail the migration", subject: subject);
                }
                else
                {
                    s.Add("data.column-type-changed", f, line, $"EF Core alters column {subject} (type or facets): may rewrite the table under lock", subject: subject);
                }

                break;
            case "RenameColumn" or "RenameTable" or "RenameIndex":
                s.Add("data.renamed", f, line, $"EF Core {op.Groups["op"].Value} {subject}: running code that uses the old name fails", subject: subject);
                break;
            case "CreateIndex":
                var concurrent = call.Contains("CreatedConcurrently", StringComparison.Ordinal) || call.Contains("ONLINE", StringComparison.Ordinal);
                s.Add(concurrent ? "data.index-created" : "data.index-blocking", f, line,
                    concurrent ? $"EF Core creates index {name} concurrently" : $"EF Core creates index {name} on {table ?? "?"} without CONCURRENTLY/ONLINE: writes block during the build", subject: table ?? name);
                break;
            case "AddForeignKey" or "AddCheckConstraint" or "AddUniqueConstraint" or "AddPrimaryKey":
                s.Add("data.constraint-validating", f, line, $"EF Core {op.Groups["op"].Value} on {table ?? name}: validated while holding a lock", subject: table ?? name);
                break;
            case "Sql":
                s.Add("data.raw-sql", f, line, "raw SQL in an EF Core migration: review it by hand (backfills, data fixes)");
                break;
            default:
                s.Add("data.schema-changed", f, line, $"EF Core {op.Groups["op"].Value}{(subject is null ? "" : " " + subject)}", subject: subject);
                break;
        }
    }

    public static void EfSnapshot(DiffFile f, FindingSink s) =>
        s.Add("data.ef.model-snapshot", f, f.FirstChangedLine, $"EF Core model {(f.Path.EndsWith(".Designer.cs", StringComparison.OrdinalIgnoreCase) ? "designer file" : "snapshot")} changed: the data model moved; check the migration that goes with it");

    // ---------- Liquibase XML/YAML/JSON ----------
    [GeneratedRegex(@"(?:<|^\s*-?\s*""?)(?<op>createTable|dropTable|addColumn|dropColumn|modifyDataType|renameColumn|renameTable|renameView|renameSequence|addNotNullConstraint|createIndex|addForeignKeyConstraint|addUniqueConstraint|addPrimaryKey|sql|sqlFile|update|delete|dropIndex|createView|dropView|addDefaultValue|dropNotNullConstraint|createSequence|dropForeignKeyConstraint|mergeColumns|addLookupTable)\b(?:""?\s*:)?")]
    private static partial Regex LiquibaseChange();

    [GeneratedRegex(@"\btableName\s*[=:]\s*""?(?<t>[\w.]+)")]
    private static partial Regex LiquibaseTable();

    [GeneratedRegex(@"\bcolumnName\s*[=:]\s*""?(?<c>[\w.]+)|\bname\s*[=:]\s*""?(?<c2>[\w.]+)")]
    private static partial Regex LiquibaseColumn();

    public static void Liquibase(DiffFile f, FindingSink s)
    {
        var name = Path.GetFileName(f.Path);
        if (f.Status is DiffFileStatus.Deleted || (f.Status is DiffFileStatus.Modified && f.AllLines.Any(l => l.Kind == DiffLineKind.Removed && l.Text.Trim().Length > 0 && !l.Text.Contains("</databaseChangeLog>", StringComparison.Ordinal))))
        {
            s.Add("data.applied-migration-edited", f, f.FirstChangedLine, $"Liquibase changelog {name}: an existing changeset was edited or removed (checksum mismatch on databases that ran it); add a new changeset instead", subject: name);
        }

        var newSide = HunkScan.NewSide(f).ToList();
        for (var i = 0; i < newSide.Count; i++)
        {
            var l = newSide[i];
            if (l.Kind != DiffLineKind.Added || LiquibaseChange().Match(l.Text) is not { Success: true } m)
            {
                continue;
            }

            // The attributes of a change sit on its line or the next few lines, until the next change.
            var window = new StringBuilder(l.Text);
            for (var k = i + 1; k < newSide.Count && k <= i + 8 && !LiquibaseChange().IsMatch(newSide[k].Text); k++)
            {
                window.Append('\n').Append(newSide[k].Text);
            }

            var w = window.ToString();
            var table = LiquibaseTable().Match(w) is { Success: true } tm ? tm.Groups["t"].Value : "?";
            var col = LiquibaseColumn().Match(w) is { Success: true } cm ? (cm.Groups["c"].Success ? cm.Groups["c"].Value : cm.Groups["c2"].Value) : null;
            var subject = col is null || m.Groups["op"].Value is "createTable" or "dropTable" ? table : $"{table}.{col}";
            switch (m.Groups["op"].Value)
            {
                case "createTable":
                    s.Add("data.table-created", f, l.Line, $"Liquibase creates table {table}", subject: table);
                    break;
                case "dropTable":
                    s.Add("data.table-dropped", f, l.Line, $"Liquibase drops table {table}: its data is gone", subject: table);
                    break;
                case "addColumn":
                    var notNull = Regex.IsMatch(w, @"nullable\s*[=:]\s*""?false") && !Regex.IsMatch(w, @"defaultValue");
                    s.Add(notNull ? "data.not-null-without-default" : "data.column-added", f, l.Line, notNull ? $"Liquibase adds NOT NULL column {subject} without a default" : $"Liquibase adds column {subject}", subject: subject);
                    break;
                case "dropColumn":
                    s.Add("data.column-dropped", f, l.Line, $"Liquibase drops column {subject}: its data is gone", subject: subject);
                    break;
                case "modifyDataType":
                    s.Add("data.column-type-changed", f, l.Line, $"Liquibase changes the type of {subject}: table rewrite under lock", subject: subject);
                    break;
                case "renameColumn" or "renameTable" or "renameView" or "renameSequence":
                    s.Add("data.renamed", f, l.Line, $"Liquibase {m.Groups["op"].Value} on {table}: running code that uses the old name fails", subject: table);
                    break;
                case "addNotNullConstraint":
                    var hasDefault = Regex.IsMatch(w, @"defaultNullValue");
                    s.Add(hasDefault ? "data.constraint-validating" : "data.not-null-without-default", f, l.Line, $"Liquibase adds NOT NULL to {subject}{(hasDefault ? " (with defaultNullValue backfill)" : ": existing NULLs fail")}", subject: subject);
                    break;
                case "createIndex":
                    s.Add("data.index-blocking", f, l.Line, $"Liquibase creates an index on {table} without CONCURRENTLY: writes block during the build", subject: table);
                    break;
                case "addForeignKeyConstraint" or "addUniqueConstraint" or "addPrimaryKey":
                    s.Add("data.constraint-validating", f, l.Line, $"Liquibase {m.Groups["op"].Value} on {table}: validated while holding a lock", subject: table);
                    break;
                case "sql" or "sqlFile":
                    s.Add("data.raw-sql", f, l.Line, "raw SQL in a Liquibase changeset: review it by hand");
                    break;
                case "update" or "delete":
                    s.Add("data.data-rewrite", f, l.Line, $"Liquibase {m.Groups["op"].Value} on {table}: back up first", subject: table);
                    break;
                default:
                    s.Add("data.schema-changed", f, l.Line, $"Liquibase {m.Groups["op"].Value} on {table}", subject: table);
                    break;
            }
        }

        if (s.CountFor(f.Path) == 0 && HunkScan.HasChanges(f))
        {
            s.Add("data.schema-changed", f, f.FirstChangedLine, $"Liquibase changelog {name} changed");
        }
    }

    // ---------- Prisma ----------
    [GeneratedRegex(@"^\s*(?<kind>model|enum|view|type)\s+(?<name>\w+)\s*\{")]
    private static partial Regex PrismaBlock();

    [GeneratedRegex(@"^\s*(?<name>[A-Za-z_]\w*)\s+(?<type>[A-Za-z_]\w*)(?<list>\[\])?(?<opt>\?)?(?<attrs>.*)$")]
    private static partial Regex PrismaField();

    public static void Prisma(DiffFile f, FindingSink s)
    {
        foreach (var hunk in f.Hunks)
        {
            var lines = hunk.Lines;
            var removedModels = new List<(string Name, DiffLine Line)>();
            var addedModels = new HashSet<string>(StringComparer.Ordinal);
            var removed = new List<(string Model, string Name, string Type, DiffLine Line)>();
            var added = new List<(string Model, string Name, string Type, string Attrs, DiffLine Line)>();
            for (var i = 0; i < lines.Count; i++)
            {
                var l = lines[i];
                if (l.Kind == DiffLineKind.Context || l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }

                if (PrismaBlock().Match(l.Text) is { Success: true } bm)
                {
                    if (bm.Groups["kind"].Value != "model")
                    {
                        continue;
                    }

                    if (l.Kind == DiffLineKind.Removed)
                    {
                        removedModels.Add((bm.Groups["name"].Value, l));
                    }
                    else
                    {
                        addedModels.Add(bm.Groups["name"].Value);
                    }

                    continue;
                }

                var model = HunkScan.Enclosing(hunk, i, PrismaBlock(), requireSmallerIndent: false);
                if (model is null || model.Groups["kind"].Value != "model" || l.Text.TrimStart().StartsWith('@') || PrismaField().Match(l.Text) is not { Success: true } fm)
                {
                    if (l.Kind == DiffLineKind.Added && Regex.IsMatch(l.Text, @"@@?map\("))
                    {
                        s.Add("data.renamed", f, l.Line, "Prisma @map/@@map changed: the table or column is renamed in the database", subject: model?.Groups["name"].Value);
                    }

                    continue;
                }

                var type = fm.Groups["type"].Value + fm.Groups["list"].Value + fm.Groups["opt"].Value;
                if (l.Kind == DiffLineKind.Removed)
                {
                    removed.Add((model.Groups["name"].Value, fm.Groups["name"].Value, type, l));
                }
                else
                {
                    added.Add((model.Groups["name"].Value, fm.Groups["name"].Value, type, fm.Groups["attrs"].Value, l));
                }
            }

            foreach (var m in removedModels.Where(m => !addedModels.Contains(m.Name)))
            {
                s.Add("data.table-dropped", f, m.Line.Line, $"Prisma model {m.Name} removed: prisma migrate drops its table", subject: m.Name);
            }

            foreach (var m in addedModels.Where(m => removedModels.All(r => r.Name != m)))
            {
                s.Add("data.table-created", f, f.FirstChangedLine, $"Prisma model {m} added", subject: m);
            }

            foreach (var r in removed.Where(r => !removedModels.Any(m => m.Name == r.Model && !addedModels.Contains(m.Name))))
            {
                var same = added.FirstOrDefault(a => a.Model == r.Model && a.Name == r.Name);
                if (same.Name is null)
                {
                    s.Add("data.column-dropped", f, r.Line.Line, $"Prisma field {r.Model}.{r.Name} removed: its column is dropped", subject: $"{r.Model}.{r.Name}");
                }
                else if (same.Type != r.Type)
                {
                    var becameRequired = r.Type.EndsWith('?') && same.Type == r.Type.TrimEnd('?');
                    s.Add(becameRequired ? "data.not-null-without-default" : "data.column-type-changed", f, same.Line.Line,
                        becameRequired ? $"Prisma field {r.Model}.{r.Name} became required: existing NULLs fail the migration" : $"Prisma field {r.Model}.{r.Name} changed type from {r.Type} to {same.Type}", subject: $"{r.Model}.{r.Name}");
                }
            }

            foreach (var a in added.Where(a => !addedModels.Contains(a.Model) && removed.All(r => r.Model != a.Model || r.Name != a.Name)))
            {
                var scalar = char.IsLower(a.Type[0]) || a.Type.TrimEnd('?', ']', '[') is "String" or "Int" or "BigInt" or "Float" or "Decimal" or "Boolean" or "DateTime" or "Json" or "Bytes";
                var required = !a.Type.EndsWith('?') && !a.Type.EndsWith("[]", StringComparison.Ordinal) && !a.Attrs.Contains("@default", StringComparison.Ordinal) && !a.Attrs.Contains("@updatedAt", StringComparison.Ordinal);
                if (scalar && required)
                {
                    s.Add("data.not-null-without-default", f, a.Line.Line, $"Prisma required field {a.Model}.{a.Name} added without @default: fails on a table with rows", subject: $"{a.Model}.{a.Name}");
                }
                else
                {
                    s.Add("data.column-added", f, a.Line.Line, $"Prisma field {a.Model}.{a.Name} added", subject: $"{a.Model}.{a.Name}");
                }
            }
        }

        if (s.CountFor(f.Path) == 0 && HunkScan.HasChanges(f))
        {
            s.Add("data.schema-changed", f, f.FirstChangedLine, "Prisma schema changed (datasource, generator, indexes or relations)");
        }
    }
}
