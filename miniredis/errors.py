"""Every client-visible error string, as a named constant.

Owns: the text of errors and the CommandError exception that carries one.
Must not touch: sockets, the keyspace, reply encoding.

Constants hold the full message *including* its prefix (``ERR``,
``WRONGTYPE``, ``NOPROTO`` ...) because the prefix is part of what clients
match on. ``CommandError`` carries one; the dispatcher turns it into an error
reply. User-controlled text is sanitised in :func:`sanitize` so that a CR or
LF inside a key name can never break the framing of an error line.
"""

# --- generic -----------------------------------------------------------------
SYNTAX = "ERR syntax error"
NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
OVERFLOW = "ERR increment or decrement would overflow"
NAN_OR_INF = "ERR increment would produce NaN or Infinity"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NO_SUCH_KEY = "ERR no such key"
OUT_OF_RANGE = "ERR index out of range"
DB_INDEX = "ERR DB index is out of range"
INVALID_DB_INDEX = "ERR invalid DB index"
SAME_OBJECT = "ERR source and destination objects are the same"
NOT_NEGATIVE_TIMEOUT = "ERR timeout is negative"
STRING_TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
BIT_OFFSET = "ERR bit offset is not an integer or out of range"
BIT_VALUE = "ERR bit is not an integer or out of range"
OFFSET_OUT_OF_RANGE = "ERR offset is out of range"
BIT_ARG = "ERR The bit argument must be 1 or 0."
BITOP_NOT = "ERR BITOP NOT must be called with a single source key."
COUNT_POSITIVE = "ERR value is out of range, must be positive"
INVALID_CURSOR = "ERR invalid cursor"
UNKNOWN_TYPE = "ERR unknown type name"
VALUE_OUT_OF_RANGE = "ERR value is out of range"
# Shared by the container groups (LMPOP/ZMPOP/SINTERCARD/..., xRANDxxx counts).
NUMKEYS_NOT_POSITIVE = "ERR numkeys should be greater than 0"
COUNT_NOT_POSITIVE = "ERR count should be greater than 0"
LIMIT_NEGATIVE = "ERR LIMIT can't be negative"
RANDOM_COUNT_RANGE = ("ERR value is out of range, value must between "
                      "-9223372036854775807 and 9223372036854775807")

# --- connection / auth ---------------------------------------------------------
NOAUTH = "NOAUTH Authentication required."
WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled."
AUTH_NOT_CONFIGURED = (
    "ERR AUTH <password> called without any password configured for the "
    "default user. Are you sure your configuration is correct?")
NOPROTO = "NOPROTO unsupported protocol version"
PROTOVER_NOT_INT = "ERR Protocol version is not an integer or out of range"
CLIENT_NAME_SPACES = "ERR Client names cannot contain spaces, newlines or special characters."
NO_SUCH_CLIENT = "ERR No such client"

# --- expiry / set -------------------------------------------------------------
INVALID_EXPIRE_FMT = "ERR invalid expire time in '%s' command"
EXPIRE_NX_XX_GT_LT = "ERR NX and XX, GT or LT options at the same time are not compatible"
EXPIRE_GT_LT = "ERR GT and LT options at the same time are not compatible"
UNSUPPORTED_OPTION_FMT = "ERR Unsupported option %s"

# --- typed values (project extension) ----------------------------------------
TYPED_POSITION = ("ERR typed values are only accepted as the value of "
                  "SET, SETNX, SETEX, PSETEX, GETSET, MSET and MSETNX")
TYPED_TOO_DEEP = "ERR typed value nesting exceeds the maximum depth of %d"

# --- server / config -----------------------------------------------------------
CONFIG_UNKNOWN_FMT = "ERR Unknown option or number of arguments for CONFIG SET - '%s'"
DEBUG_UNKNOWN = "ERR DEBUG subcommand not supported"
SHUTDOWN_ERR = "ERR Errors trying to SHUTDOWN. Check logs."

# --- formatted ones ------------------------------------------------------------
_UNKNOWN_COMMAND_FMT = "ERR unknown command '%s', with args beginning with: %s"
_WRONG_ARITY_FMT = "ERR wrong number of arguments for '%s' command"
_UNKNOWN_SUBCOMMAND_FMT = "ERR unknown subcommand '%s'. Try %s HELP."
_UNKNOWN_SUBCOMMAND_OR_ARITY_FMT = (
    "ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP.")

# Protocol errors (sent, then the connection is closed).
PROTO_EXPECTED_DOLLAR_FMT = "ERR Protocol error: expected '$', got '%s'"
PROTO_INVALID_MULTIBULK = "ERR Protocol error: invalid multibulk length"
PROTO_INVALID_BULK = "ERR Protocol error: invalid bulk length"
PROTO_UNBALANCED_QUOTES = "ERR Protocol error: unbalanced quotes in request"
PROTO_BIG_INLINE = "ERR Protocol error: too big inline request"
PROTO_BIG_MBULK_COUNT = "ERR Protocol error: too big mbulk count string"
PROTO_BIG_BULK_COUNT = "ERR Protocol error: too big bulk count string"
PROTO_UNAUTH_MBULK = "ERR Protocol error: unauthenticated multibulk length"
PROTO_UNAUTH_BULK = "ERR Protocol error: unauthenticated bulk length"


class CommandError(Exception):
    """A command failed; ``message`` is the full error text with its prefix."""

    __slots__ = ("message",)

    def __init__(self, message):
        Exception.__init__(self, message)
        self.message = message


def sanitize(text):
    """User text as Redis puts it in a one-line error.

    Redis formats it as a C string, so it ends at the first NUL; CR and LF
    become spaces so the error stays one line. Bytes that are not UTF-8 are
    kept as they were sent (surrogateescape; the encoder writes them back).
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
    else:
        text = text.split("\0", 1)[0]
    return text.replace("\r", " ").replace("\n", " ")


def wrong_arity(name):
    return _WRONG_ARITY_FMT % sanitize(name).lower()


def unknown_command(name, args):
    # Redis quotes up to 128 bytes of each argument and keeps a trailing space.
    shown = "".join("'%s' " % sanitize(a[:128]) for a in args)
    return _UNKNOWN_COMMAND_FMT % (sanitize(name[:128]), shown)


def unknown_subcommand(sub, container):
    return _UNKNOWN_SUBCOMMAND_FMT % (sanitize(sub), container.upper())


def unknown_subcommand_or_arity(sub, container):
    return _UNKNOWN_SUBCOMMAND_OR_ARITY_FMT % (sanitize(sub), container.upper())


def invalid_expire(cmd):
    return INVALID_EXPIRE_FMT % cmd


# --- server / client admin (INFO, CONFIG, COMMAND, CLIENT, DEBUG, SHUTDOWN) ---
CONFIG_SET_FAILED_FMT = "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
NO_CONFIG_FILE = "ERR The server is running without a config file"
CONFIG_REWRITE_FAILED_FMT = "ERR Rewriting config file: %s"
UNKNOWN_CLIENT_TYPE_FMT = "ERR Unknown client type '%s'"
INVALID_CLIENT_ID = "ERR Invalid client ID"
CLIENT_ID_POSITIVE = "ERR client-id should be greater than 0"
NO_SUCH_USER_FMT = "ERR No such user '%s'"
INVALID_COMMAND_SPECIFIED = "ERR Invalid command specified"
INVALID_COMMAND_ARGS = "ERR Invalid number of arguments specified for command"
INVALID_KEY_ARGS = "ERR Invalid arguments specified for command"
NO_KEY_ARGUMENTS = "ERR The command has no key arguments"
NO_SHUTDOWN_IN_PROGRESS = "ERR No shutdown in progress."
DEBUG_NOT_ALLOWED = (
    "ERR DEBUG command not allowed. If the enable-debug-command option is set to "
    "\"local\", you can run it from a local connection, otherwise you need to set "
    "this option in the configuration file, and then restart the server.")

# --- strings (commands/strings.py) ---------------------------------------------
DECR_OVERFLOW = "ERR decrement would overflow"
LCS_NOT_STRINGS = "ERR The specified keys must contain string values"
LCS_IDX_AND_LEN = "ERR If you want both the length and indexes, please just use IDX."
LCS_TOO_BIG = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"

# --- generic key commands (commands/keys.py) ----------------------------------
INT32_RANGE = "ERR value is out of range, value must between -2147483648 and 2147483647"
SWAPDB_FIRST = "ERR invalid first DB index"
SWAPDB_SECOND = "ERR invalid second DB index"
OBJECT_FREQ_NO_LFU = (
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
    "Please note that when switching between policies at runtime LRU and LFU data "
    "will take some time to adjust.")
OBJECT_IDLETIME_LFU = (
    "ERR An LFU maxmemory policy is selected, idle time not tracked. "
    "Please note that when switching between policies at runtime LRU and LFU data "
    "will take some time to adjust.")

# --- server / client admin, hardening (DEBUG PROTOCOL, CLIENT UNBLOCK) ----------
DEBUG_PROTOCOL_TYPE = (
    "ERR Wrong protocol type name. Please use one of the following: "
    "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
RESP2_UNSUPPORTED = "ERR RESP2 is not supported by this command"
UNBLOCK_REASON = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
# Sent to the client that CLIENT UNBLOCK ... ERROR woke (by the blocking module).
UNBLOCKED = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

# --- connection (HELLO), added by the differential fuzz work ---------------------
HELLO_SYNTAX_FMT = "ERR Syntax error in HELLO option '%s'"
NOAUTH_HELLO = (
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
    "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
    "select the RESP protocol version at the same time")

# --- blocking commands (blocking.py) ----------------------------------------------
TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range"
TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range"

# --- lists (commands/lists.py) ------------------------------------------------------
LPOS_RANK_ZERO = ("ERR RANK can't be zero: use 1 to start from the first match, "
                  "2 from the second ... or use negative to start from the end of the list")
LPOS_COUNT_NEGATIVE = "ERR COUNT can't be negative"
LPOS_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative"

# --- hashes (commands/hashes.py) ----------------------------------------------------
HASH_NOT_INTEGER = "ERR hash value is not an integer"
HASH_NOT_FLOAT = "ERR hash value is not a float"
INCR_NAN_OR_INF = "ERR value is NaN or Infinity"

# --- sets (commands/sets.py) --------------------------------------------------------
NUMKEYS_TOO_MANY = "ERR Number of keys can't be greater than number of args"

# --- sorted sets (commands/sorted_sets.py) ------------------------------------------
ZADD_XX_NX = "ERR XX and NX options at the same time are not compatible"
ZADD_GT_LT_NX = "ERR GT, LT, and/or NX options at the same time are not compatible"
ZADD_INCR_PAIR = "ERR INCR option supports a single increment-element pair"
ZSCORE_NAN = "ERR resulting score is not a number (NaN)"
ZRANGE_NOT_FLOAT = "ERR min or max is not a float"
ZRANGE_NOT_LEX = "ERR min or max not valid string range item"
ZRANGE_LIMIT_RANK = ("ERR syntax error, LIMIT is only supported in combination with either "
                     "BYSCORE or BYLEX")
ZRANGE_WITHSCORES_LEX = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
ZSETOP_NO_KEYS_FMT = "ERR at least 1 input key is needed for '%s' command"
ZSETOP_WEIGHT = "ERR weight value is not a float"

# --- SORT (commands/sort.py) ---------------------------------------------------------
SORT_NOT_DOUBLE = "ERR One or more scores can't be converted into double"

# --- transactions (commands/transactions.py) ---------------------------------------
MULTI_NESTED = "ERR MULTI calls can not be nested"
EXEC_WITHOUT_MULTI = "ERR EXEC without MULTI"
DISCARD_WITHOUT_MULTI = "ERR DISCARD without MULTI"
WATCH_IN_MULTI = "ERR WATCH inside MULTI is not allowed"
EXECABORT = "EXECABORT Transaction discarded because of previous errors."
NOT_IN_MULTI = "ERR Command not allowed inside a transaction"


def execabort_because(message):
    """EXEC itself refused while queueing: the reason, without its ERR code."""
    if message.startswith("ERR "):
        message = message[4:]
    return "EXECABORT Transaction discarded because of: " + message


# --- pub/sub and keyspace notifications (commands/pubsub.py, pubsub.py, notifications.py)
PUBSUB_CONTEXT_FMT = ("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
                      "QUIT / RESET are allowed in this context")
SSUBSCRIBE_DENY_BLOCKING = "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"
OBUF_WRONG_ARGS = "Wrong number of arguments in buffer limit configuration."
OBUF_BAD_CLASS = "Invalid client class specified in buffer limit configuration."
OBUF_BAD_VALUE = "Error in hard, soft or soft_seconds setting in buffer limit configuration."

# --- Lua scripting (commands/scripting.py, scripting/) -----------------------------
NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL."
NOTBUSY = "NOTBUSY No scripts in execution right now."
UNKILLABLE = ("UNKILLABLE Sorry the script already executed write commands against the dataset. "
              "You can either wait the script termination or kill the server in a hard way using "
              "the SHUTDOWN NOSAVE command.")
BUSY_SCRIPT = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
BUSY_FUNCTION = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
NUMKEYS_GREATER = "ERR Number of keys can't be greater than number of args"
NUMKEYS_NEGATIVE = "ERR Number of keys can't be negative"
RO_WITH_WRITE_FLAG = "ERR Can not execute a script with write flag using *_ro command."
SCRIPT_INVALID_SHEBANG = "ERR Invalid script shebang"
SCRIPT_BAD_ENGINE = "ERR Unexpected engine in script shebang: %s"
SCRIPT_BAD_SHEBANG_OPTION = "ERR Unknown lua shebang option: %s"
SCRIPT_BAD_FLAG = "ERR Unexpected flag in script shebang: %s"
SCRIPT_FLUSH_OPTION = "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
SCRIPT_DEBUG_OPTION = "ERR Use SCRIPT DEBUG YES/SYNC/NO"
SCRIPT_COMPILE_ERROR = "ERR Error compiling script (new function): %s"
SCRIPT_DEBUG_UNSUPPORTED = "ERR SCRIPT DEBUG (the Lua debugger) is not supported by this server"
# Raised inside scripts: the scripting layer adds "ERR " and the script"s position.
LUA_NO_ARGS = "Please specify at least one argument for this redis lib call"
LUA_BAD_ARG = "Lua redis lib command arguments must be strings or integers"
LUA_UNKNOWN_CMD = "Unknown Redis command called from script"
LUA_WRONG_ARGS = "Wrong number of args calling Redis command from script"
LUA_NOSCRIPT_CMD = "This Redis command is not allowed from script"
LUA_RO_WRITE = "Write commands are not allowed from read-only scripts."
LUA_ACL_BAD_CMD = "Invalid command passed to redis.acl_check_cmd()"
LUA_WRONG_NUMBER = "wrong number of arguments"
LUA_LOG_ARGS = "redis.log() requires two arguments or more."
LUA_LOG_LEVEL_TYPE = "First argument must be a number (log level)."
LUA_LOG_LEVEL = "Invalid debug level."
LUA_SETRESP_ARGS = "redis.setresp() requires one argument."
LUA_SETRESP_VERSION = "RESP version must be 2 or 3."
LUA_SETREPL_ARGS = "redis.set_repl() requires two arguments."
LUA_SETREPL_FLAGS = "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."
LUA_REGISTER_OUTSIDE_LOAD = "redis.register_function can only be called on FUNCTION LOAD command"
LUA_REGISTER_NAME_TYPE = "first argument to redis.register_function must be a string"
LUA_REGISTER_CALLBACK_TYPE = "second argument to redis.register_function must be a function"
LUA_REGISTER_ARGS = "wrong number of arguments to redis.register_function"
LUA_REGISTER_DUPLICATE = "Function already exists in the library"
LUA_REGISTER_SINGLE_ARG = ("calling redis.register_function with a single argument is "
                           "only applicable to Lua table (representing named arguments).")
LUA_REGISTER_NAMED_NAME = "function_name argument given to redis.register_function must be a string"
LUA_REGISTER_NAMED_DESC = "description argument given to redis.register_function must be a string"
LUA_REGISTER_NAMED_CALLBACK = ("callback argument given to redis.register_function must be "
                               "a function")
LUA_REGISTER_UNKNOWN_ARG = "unknown argument given to redis.register_function"
LUA_REGISTER_NO_NAME = "redis.register_function must get a function name argument"
LUA_REGISTER_NO_CALLBACK = "redis.register_function must get a callback argument"
LUA_REGISTER_FLAGS_TYPE = ("flags argument to redis.register_function must be a table "
                           "representing function flags")
LUA_REGISTER_UNKNOWN_FLAG = "unknown flag given"
LUA_RANDOM_EMPTY_FMT = "bad argument #%d to 'random' (interval is empty)"
LUA_NUMBER_EXPECTED_FMT = "bad argument #%d to '%s' (number expected, got %s)"

# --- functions (commands/functions.py, scripting/functions.py) ---------------------
FUNCTION_NOT_FOUND = "ERR Function not found"
FCALL_BAD_NUMKEYS = "ERR Bad number of keys provided"
LIBRARY_EXISTS = "ERR Library '%s' already exists"
LIBRARY_EXISTS_RESTORE = "ERR Library %s already exists"   # FUNCTION RESTORE's wording
FUNCTION_EXISTS = "ERR Function %s already exists"
NO_FUNCTIONS = "ERR No functions registered"
LIBRARY_METADATA_INVALID = "ERR Invalid library metadata"
LIBRARY_METADATA_MISSING = "ERR Missing library metadata"
LIBRARY_NAME_INVALID = ("ERR Library names can only contain letters, numbers, or underscores(_) "
                        "and must be at least one character long")
METADATA_VALUE_INVALID = "ERR Invalid metadata value given: %s"
ENGINE_NOT_FOUND = "ERR Engine '%s' not found"
LIBRARY_NOT_FOUND = "ERR Library not found"
FUNCTION_FLUSH_OPTION = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
FUNCTION_LIST_NO_NAME = "ERR library name argument was not given"
FUNCTION_LIST_UNKNOWN = "ERR Unknown argument %s"
FUNCTION_RESTORE_POLICY = "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
FUNCTION_DUMP_PAYLOAD = "ERR DUMP payload version or checksum are wrong"
FUNCTION_PAYLOAD_BAD = "ERR given payload is not a valid function payload"
FUNCTION_PAYLOAD_TYPE = "ERR given type is not a function"
REGISTER_ERROR = "ERR Error registering functions: %s"
FUNCTION_COMPILE_ERROR = "ERR Error compiling function: %s"
LIBRARY_NAME_REPEATED = "ERR Invalid metadata value, name argument was given multiple times"
FUNCTION_LOAD_OPTION = "ERR Unknown option given: %s"

# --- persistence: snapshots and the life cycle (persistence/snapshot.py, lifecycle.py,
# commands/persistence.py) ----------------------------------------------------------
MISCONF_RDB = ("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
               "persist to disk. Commands that may modify the data set are disabled, because this "
               "instance is configured to report errors during writes if RDB snapshotting fails "
               "(stop-writes-on-bgsave-error option). Please check the Redis logs for details "
               "about the RDB error.")
BGSAVE_IN_PROGRESS = "ERR Background save already in progress"
BGSAVE_OTHER_CHILD = ("ERR Another child process is active (AOF?): can't BGSAVE right now. "
                      "Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
SAVE_FAILED = "ERR"
LOADING = "LOADING Redis is loading the dataset in memory"
AOF_REWRITE_FAILED = ("ERR Can't execute an AOF background rewriting. Please check the server "
                      "logs for more information.")

# --- persistence: the append-only log (persistence/aof.py) ---------------------------
AOF_REWRITE_IN_PROGRESS = "ERR Background append only file rewriting already in progress"
AOF_REWRITE_SCHEDULED = "Background append only file rewriting scheduled"   # a status reply
AOF_MISCONF_FMT = "MISCONF Errors writing to the AOF file: %s"

# --- persistence formats: DUMP / RESTORE / MIGRATE (commands/dump.py, persistence/rdb.py)
DUMP_PAYLOAD = "ERR DUMP payload version or checksum are wrong"
BAD_DATA_FORMAT = "ERR Bad data format"
BUSYKEY = "BUSYKEY Target key name already exists."
RESTORE_BAD_TTL = "ERR Invalid TTL value, must be >= 0"
RESTORE_BAD_IDLETIME = "ERR Invalid IDLETIME value, must be >= 0"
RESTORE_BAD_FREQ = "ERR Invalid FREQ value, must be >= 0 and <= 255"
MIGRATE_KEYS_NONEMPTY = ("ERR When using MIGRATE KEYS option, the key argument must be set to "
                         "the empty string")
MIGRATE_TARGET_ERROR_FMT = "ERR Target instance replied with error: %s"
MIGRATE_CONNECT = "IOERR error or timeout connecting to the client"
MIGRATE_IO_FMT = "IOERR error or timeout %s to target instance"

# --- streams (commands/streams.py, values/streamvalue.py) ---------------------------
STREAM_INVALID_ID = "ERR Invalid stream ID specified as stream command argument"
STREAM_ID_ZERO = "ERR The ID specified in XADD must be greater than 0-0"
STREAM_ID_SMALL = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
STREAM_EXHAUSTED = ("ERR The stream has exhausted the last possible ID, unable to add more "
                    "items")
STREAM_MAXLEN_AND_MINID = ("ERR syntax error, MAXLEN and MINID options at the same time are "
                           "not compatible")
STREAM_MAXLEN_NEGATIVE = "ERR The MAXLEN argument must be >= 0."
STREAM_LIMIT_NEGATIVE = "ERR The LIMIT argument must be >= 0."
STREAM_LIMIT_NO_STRATEGY = ("ERR syntax error, LIMIT cannot be used without specifying a "
                            "trimming strategy")
STREAM_XTRIM_NO_STRATEGY = "ERR syntax error, XTRIM must be called with a trimming strategy"
STREAM_LIMIT_NO_APPROX = "ERR syntax error, LIMIT cannot be used without the special ~ option"
STREAM_INVALID_START = "ERR invalid start ID for the interval"
STREAM_INVALID_END = "ERR invalid end ID for the interval"
# Redis 7.0 names XREAD and '$' even when XREADGROUP is called.
XREAD_UNBALANCED = ("ERR Unbalanced XREAD list of streams: for each stream key an ID or "
                    "'$' must be specified.")
STREAM_ELEMENTS_TOO_LARGE = "ERR Elements are too large to be stored"
XREAD_GROUP_ONLY = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
XREAD_NOACK_ONLY = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
XREADGROUP_MISSING_GROUP = "ERR Missing GROUP option for XREADGROUP"
XREADGROUP_NOGROUP_FMT = ("NOGROUP No such key '%s' or consumer group '%s' in XREADGROUP with "
                          "GROUP option")
XREADGROUP_DOLLAR = ("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read "
                     "the history of this consumer by specifying a proper ID, or use the > ID "
                     "to get new messages. The $ ID would just return an empty result set.")
XREAD_GT_ONLY = ("ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
                 "<group> <consumer> option.")
XREAD_BLOCK_IN_SCRIPT_FMT = "ERR %s command is not allowed with BLOCK option from scripts"
XREADGROUP_KEY_GONE = "UNBLOCKED the stream key no longer exists"
XREADGROUP_GROUP_GONE = "NOGROUP the consumer group this client was blocked on no longer exists"
XGROUP_NEEDS_KEY = ("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE "
                    "you may want to use the MKSTREAM option to create an empty stream "
                    "automatically.")
XGROUP_NOGROUP_FMT = "NOGROUP No such consumer group '%s' for key name '%s'"
XGROUP_BUSYGROUP = "BUSYGROUP Consumer Group name already exists"
XGROUP_ENTRIESREAD = "ERR value for ENTRIESREAD must be positive or -1"
STREAM_NOGROUP_FMT = "NOGROUP No such key '%s' or consumer group '%s'"
XCLAIM_MINIDLE = "ERR Invalid min-idle-time argument for XCLAIM"
XCLAIM_IDLE = "ERR Invalid IDLE option argument for XCLAIM"
XCLAIM_TIME = "ERR Invalid TIME option argument for XCLAIM"
XCLAIM_RETRYCOUNT = "ERR Invalid RETRYCOUNT option argument for XCLAIM"
XCLAIM_UNKNOWN_FMT = "ERR Unrecognized XCLAIM option '%s'"
XAUTOCLAIM_MINIDLE = "ERR Invalid min-idle-time argument for XAUTOCLAIM"
XAUTOCLAIM_COUNT = "ERR COUNT must be > 0"
XSETID_ENTRIES_ADDED = "ERR entries_added must be positive"
XSETID_SMALLER_THAN_MAXDEL_ARG = ("ERR The ID specified in XSETID is smaller than the provided "
                                  "max_deleted_entry_id")
XSETID_SMALLER_THAN_TOP = "ERR The ID specified in XSETID is smaller than the target stream top item"
XSETID_ADDED_SMALL = ("ERR The entries_added specified in XSETID is smaller than the target "
                      "stream length")

# --- HyperLogLog (commands/hyperloglog.py) ------------------------------------------
HLL_INVALID = "INVALIDOBJ Corrupted HLL object detected"
HLL_WRONGTYPE = "WRONGTYPE Key is not a valid HyperLogLog string value."
PFDEBUG_NO_KEY = "ERR The specified key does not exist"
PFDEBUG_NOT_SPARSE = "ERR HLL encoding is not sparse"
PFDEBUG_UNKNOWN_FMT = "ERR Unknown PFDEBUG subcommand '%s'"
PFSELFTEST_FAILED_FMT = "ERR TESTFAILED %s"

# --- GEO (commands/geo.py) ----------------------------------------------------------
GEO_LONLAT_FMT = "ERR invalid longitude,latitude pair %f,%f"
GEO_UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI"
GEO_RADIUS_NOT_NUMBER = "ERR need numeric radius"
GEO_RADIUS_NEGATIVE = "ERR radius cannot be negative"
GEO_WIDTH_NOT_NUMBER = "ERR need numeric width"
GEO_HEIGHT_NOT_NUMBER = "ERR need numeric height"
GEO_BOX_NEGATIVE = "ERR height or width cannot be negative"
GEO_NO_MEMBER = "ERR could not decode requested zset member"
GEO_COUNT_POSITIVE = "ERR COUNT must be > 0"
GEO_ANY_NEEDS_COUNT = "ERR the ANY argument requires COUNT argument"
GEO_STORE_WITH_FMT = "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
GEO_FROM_FMT = "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s"
GEO_BY_FMT = "ERR exactly one of BYRADIUS and BYBOX can be specified for %s"

# --- BITFIELD (commands/bitfield.py) ------------------------------------------------
BITFIELD_TYPE = ("ERR Invalid bitfield type. Use something like i16 u8. "
                  "Note that u64 is not supported but i64 is.")
BITFIELD_OVERFLOW = "ERR Invalid OVERFLOW type specified"
BITFIELD_RO_WRITE = "ERR BITFIELD_RO only supports the GET subcommand"

# --- Task Q4: configuration that tells the truth (config.py, cli.py) --------------------
ACTIVEDEFRAG_UNSUPPORTED = (
    "Active defragmentation cannot be enabled: it requires a Redis server compiled with a "
    "modified Jemalloc like the one shipped by default with the Redis source distribution")

# --- Q2 observability (commands/observability.py, client_cmd.py PAUSE/TRACKING) -----
SLOWLOG_COUNT = "ERR count should be greater than or equal to -1"
LATENCY_NO_SAMPLES_FMT = "ERR No samples available for event '%s'"
MONITOR_DENY_BLOCKING = "ERR MONITOR isn't allowed for DENY BLOCKING client"
MODULE_NOT_ALLOWED = ("ERR MODULE command not allowed. If the enable-module-command option is set "
                      "to \"local\", you can run it from a local connection, otherwise you need to "
                      "set this option in the configuration file, and then restart the server.")
MODULE_LOAD_FAILED = "ERR Error loading the extension. Please check the server logs."
MODULE_UNLOAD_FMT = "ERR Error unloading module: no such module with that name"
PAUSE_TIMEOUT_NOT_INTEGER = "ERR timeout is not an integer or out of range"
PAUSE_TIMEOUT_NEGATIVE = "ERR timeout is negative"
PAUSE_MODE = "ERR CLIENT PAUSE mode must be WRITE or ALL"
TRACKING_PREFIX_NEEDS_BCAST = "ERR PREFIX option requires BCAST mode to be enabled"
TRACKING_BCAST_OPTS = "ERR OPTIN and OPTOUT are not compatible with BCAST"
TRACKING_OPTIN_OPTOUT = "ERR You can't specify both OPTIN mode and OPTOUT mode"
TRACKING_NO_REDIRECT_CLIENT = "ERR The client ID you want redirect to does not exist"
TRACKING_ONE_REDIRECT = "ERR A client can only redirect to a single other client"
TRACKING_PREFIX_OVERLAP_NEW_FMT = ("ERR Prefix '%s' overlaps with another provided prefix '%s'. "
                                   "Prefixes for a single client must not overlap.")
TRACKING_PREFIX_OVERLAP_OLD_FMT = ("ERR Prefix '%s' overlaps with an existing prefix '%s'. "
                                   "Prefixes for a single client must not overlap.")
TRACKING_SWITCH_BCAST = ("ERR You can't switch BCAST mode on/off before disabling tracking for "
                         "this client, and then re-enabling it with a different mode.")
TRACKING_SWITCH_OPT = ("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for "
                       "this client, and then re-enabling it with a different mode.")
CACHING_NOT_TRACKING = ("ERR CLIENT CACHING can be called only when the client is in tracking "
                        "mode with OPTIN or OPTOUT mode enabled")
CACHING_YES_NEEDS_OPTIN = "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode."
CACHING_NO_NEEDS_OPTOUT = "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."

# --- Q1: users and access (miniredis/acl.py, commands/acl.py) -----------------------
ACL_USERNAME_SPACES = "ERR Usernames can't contain spaces or null characters"
ACL_DEFAULT_UNDELETABLE = "ERR The 'default' user cannot be removed"
ACL_UNKNOWN_CATEGORY_FMT = "ERR Unknown category '%s'"
ACL_GENPASS_BITS = ("ERR ACL GENPASS argument must be the number of bits for the output "
                    "password, a positive number up to 4096")
ACL_USER_NOT_FOUND_FMT = "ERR User '%s' not found"
ACL_COMMAND_NOT_FOUND_FMT = "ERR Command '%s' not found"
ACL_NO_FILE = ("ERR This Redis instance is not configured to use an ACL file. You may want to "
               "specify users via the ACL SETUSER command and then issue a CONFIG REWRITE "
               "(assuming you have a Redis configuration file set) in order to store users in "
               "the Redis configuration.")
ACL_SAVE_FAILED = ("ERR There was an error trying to save the ACLs. Please check the server "
                   "logs for more information")
PROTECTED_MODE_DENIED = (
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from "
    "the loopback interface. If you want to connect from external computers to Redis you may "
    "adopt one of the following solutions: 1) Just disable protected mode sending the command "
    "'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from "
    "the same host the server is running, however MAKE SURE Redis is not publicly accessible "
    "from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "
    "Alternatively you can just disable the protected mode by editing the Redis configuration "
    "file, and setting the protected mode option to 'no', and then restarting the server. 3) "
    "If you started the server manually just for testing, restart it with the "
    "'--protected-mode no' option. 4) Setup a an authentication password for the default user. "
    "NOTE: You only need to do one of the above things in order for the server to start "
    "accepting connections from the outside.\r\n")

# --- Q3: maxmemory, eviction and MEMORY (eviction.py, commands/memory.py) ------------
OOM = "OOM command not allowed when used memory > 'maxmemory'."
CONFIG_PORT_UNAVAILABLE = "Unable to listen on this port. Check server logs."
CONFIG_BIND_FAILED = "Failed to bind to specified addresses."
CONFIG_MAXCLIENTS_FMT = ("The operating system is not able to handle the specified number of "
                         "clients, try with %d")
HELLO_TYPED_RESP3 = "ERR typed values need RESP3: use HELLO 3 TYPED"

# Replication (master side)
NOREPLICAS = "NOREPLICAS Not enough good replicas to write."
READONLY_REPLICA = "READONLY You can't write against a read only replica."
MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
STALE_SCRIPT_COMMAND = "ERR Can not execute the command on a stale replica"
NOMASTERLINK = "NOMASTERLINK Can't SYNC while not connected with my master"
WAIT_ON_REPLICA = ("ERR WAIT cannot be used with replica instances. Please also note that since "
                   "Redis 4.0 if a replica is configured to be writable (which is not the default) "
                   "writes to replicas are just local and are not propagated.")
REPLICAOF_FROM_REPLICA = "ERR Command is not valid when client is a replica."
INVALID_MASTER_PORT = "ERR Invalid master port"
SYNC_PENDING_OUTPUT = "ERR SYNC and PSYNC are invalid with pending output"
REPLCONF_IP_TOO_LONG_FMT = "ERR REPLCONF ip-address provided by replica instance is too long: %d bytes"
REPLCONF_UNKNOWN_FMT = "ERR Unrecognized REPLCONF option: %s"
VALUE_OUT_OF_RANGE_FMT = "ERR value is out of range, value must between %d and %d"
