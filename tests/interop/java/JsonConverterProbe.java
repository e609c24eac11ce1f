/*
 * Drives Apache Kafka's own org.apache.kafka.connect.json.JsonConverter for distconnect's interop test.
 *
 * stdin: one JSON object per line (a "case"); stdout: one JSON object per case, in the same order.
 *   {"op":"from","config":{...},"isKey":false,"schema":S|null,"value":V}
 *       -> {"ok":true,"bytes":"<base64>"|null} from fromConnectData(topic, schema, value)
 *   {"op":"to","config":{...},"isKey":false,"bytes":"<base64>"|null}
 *       -> {"ok":true,"schema":S|null,"value":V} from toConnectData(topic, bytes)
 *   any failure -> {"ok":false,"error":"<exception class>: <message>"}
 *
 * S, a neutral schema description (independent of the Connect JSON envelope format):
 *   {"type":"int32",...,"optional":b,"name":s,"version":i,"doc":s,"params":[[k,v],...],
 *    "default":V,"fields":[[name,S],...],"keys":S,"values":S}   (type: int8..int64, float32,
 *    float64, boolean, string, bytes, array, map, struct; absent keys mean "not set")
 * V, a neutral value description, tagged with the Java class it stands for:
 *   null | {"t":"int8"|"int16"|"int32"|"int64","v":n} | {"t":"float32","v":bits} |
 *   {"t":"float64","v":"<long bits as decimal string>"} | {"t":"boolean","v":b} | {"t":"string","v":s} |
 *   {"t":"bytes","v":"<base64>"} | {"t":"array","v":[V...]} | {"t":"map","v":[[V,V]...]} |
 *   {"t":"struct","v":[[name,V]...]} (built with the schema in context) | {"t":"decimal","v":"<BigDecimal>"} |
 *   {"t":"date","v":epochMillis} (a java.util.Date)
 */

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class JsonConverterProbe {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String TOPIC = "probe-topic";
    private static final Map<String, JsonConverter> CONVERTERS = new HashMap<>();

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) continue;
            ObjectNode result;
            try {
                result = run(MAPPER.readTree(line));
            } catch (Throwable t) {
                result = NODES.objectNode().put("ok", false).put("error", t.getClass().getName() + ": " + t.getMessage());
            }
            out.println(MAPPER.writeValueAsString(result));
        }
        out.flush();
    }

    private static JsonConverter converter(JsonNode c) {
        boolean isKey = c.path("isKey").asBoolean(false);
        String key = c.path("config").toString() + isKey;
        return CONVERTERS.computeIfAbsent(key, k -> {
            Map<String, Object> config = new HashMap<>();
            c.path("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            JsonConverter converter = new JsonConverter();
            converter.configure(config, isKey);
            return converter;
        });
    }

    private static ObjectNode run(JsonNode c) throws Exception {
        JsonConverter converter = converter(c);
        ObjectNode result = NODES.objectNode().put("ok", true);
        String op = c.get("op").asText();
        if (op.equals("from")) {
            Schema schema = schema(c.get("schema"));
            byte[] bytes = converter.fromConnectData(TOPIC, schema, value(schema, c.get("value")));
            result.put("bytes", bytes == null ? null : Base64.getEncoder().encodeToString(bytes));
        } else if (op.equals("to")) {
            JsonNode b = c.get("bytes");
            byte[] bytes = b == null || b.isNull() ? null : Base64.getDecoder().decode(b.asText());
            SchemaAndValue sv = converter.toConnectData(TOPIC, bytes);
            result.set("schema", describe(sv.schema()));
            result.set("value", describe(sv.value()));
        } else {
            throw new IllegalArgumentException("unknown op " + op);
        }
        return result;
    }

    private static Schema schema(JsonNode s) {
        if (s == null || s.isNull()) return null;
        SchemaBuilder b;
        switch (s.get("type").asText()) {
            case "int8": b = SchemaBuilder.int8(); break;
            case "int16": b = SchemaBuilder.int16(); break;
            case "int32": b = SchemaBuilder.int32(); break;
            case "int64": b = SchemaBuilder.int64(); break;
            case "float32": b = SchemaBuilder.float32(); break;
            case "float64": b = SchemaBuilder.float64(); break;
            case "boolean": b = SchemaBuilder.bool(); break;
            case "string": b = SchemaBuilder.string(); break;
            case "bytes": b = SchemaBuilder.bytes(); break;
            case "array": b = SchemaBuilder.array(schema(s.get("values"))); break;
            case "map": b = SchemaBuilder.map(schema(s.get("keys")), schema(s.get("values"))); break;
            case "struct":
                b = SchemaBuilder.struct();
                for (JsonNode f : s.get("fields")) b.field(f.get(0).asText(), schema(f.get(1)));
                break;
            default: throw new IllegalArgumentException("unknown type " + s.get("type"));
        }
        if (s.path("optional").asBoolean(false)) b.optional();
        if (s.hasNonNull("name")) b.name(s.get("name").asText());
        if (s.hasNonNull("version")) b.version(s.get("version").asInt());
        if (s.hasNonNull("doc")) b.doc(s.get("doc").asText());
        if (s.has("params")) for (JsonNode p : s.get("params")) b.parameter(p.get(0).asText(), p.get(1).asText());
        if (s.hasNonNull("default")) b.defaultValue(value(b, s.get("default")));
        return b.build();
    }

    private static Object value(Schema schema, JsonNode v) {
        if (v == null || v.isNull()) return null;
        JsonNode x = v.get("v");
        switch (v.get("t").asText()) {
            case "int8": return (byte) x.asInt();
            case "int16": return (short) x.asInt();
            case "int32": return x.asInt();
            case "int64": return x.asLong();
            case "float32": return Float.intBitsToFloat((int) x.asLong());
            case "float64": return Double.longBitsToDouble(Long.parseLong(x.asText()));
            case "boolean": return x.asBoolean();
            case "string": return x.asText();
            case "bytes": return Base64.getDecoder().decode(x.asText());
            case "decimal": return new BigDecimal(x.asText());
            case "date": return new java.util.Date(x.asLong());
            case "array": {
                List<Object> list = new ArrayList<>();
                for (JsonNode e : x) list.add(value(schema == null ? null : schema.valueSchema(), e));
                return list;
            }
            case "map": {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (JsonNode e : x) {
                    map.put(value(schema == null ? null : schema.keySchema(), e.get(0)),
                            value(schema == null ? null : schema.valueSchema(), e.get(1)));
                }
                return map;
            }
            case "struct": {
                Struct struct = new Struct(schema.schema());
                for (JsonNode e : x) {
                    Field field = schema.field(e.get(0).asText());
                    struct.put(field, value(field.schema(), e.get(1)));
                }
                return struct;
            }
            default: throw new IllegalArgumentException("unknown value tag " + v.get("t"));
        }
    }

    private static JsonNode describe(Schema s) {
        if (s == null) return NODES.nullNode();
        ObjectNode d = NODES.objectNode();
        d.put("type", s.type().getName());
        d.put("optional", s.isOptional());
        if (s.name() != null) d.put("name", s.name());
        if (s.version() != null) d.put("version", s.version());
        if (s.doc() != null) d.put("doc", s.doc());
        if (s.parameters() != null) {
            ArrayNode params = d.putArray("params");
            for (Map.Entry<String, String> p : s.parameters().entrySet()) params.addArray().add(p.getKey()).add(p.getValue());
        }
        if (s.defaultValue() != null) d.set("default", describe(s.defaultValue()));
        switch (s.type()) {
            case ARRAY: d.set("values", describe(s.valueSchema())); break;
            case MAP: d.set("keys", describe(s.keySchema())); d.set("values", describe(s.valueSchema())); break;
            case STRUCT: {
                ArrayNode fields = d.putArray("fields");
                for (Field f : s.fields()) fields.addArray().add(f.name()).add(describe(f.schema()));
                break;
            }
            default: break;
        }
        return d;
    }

    private static JsonNode describe(Object v) {
        if (v == null) return NODES.nullNode();
        ObjectNode d = NODES.objectNode();
        if (v instanceof Byte) d.put("t", "int8").put("v", (Byte) v);
        else if (v instanceof Short) d.put("t", "int16").put("v", (Short) v);
        else if (v instanceof Integer) d.put("t", "int32").put("v", (Integer) v);
        else if (v instanceof Long) d.put("t", "int64").put("v", (Long) v);
        else if (v instanceof Float) d.put("t", "float32").put("v", Float.floatToRawIntBits((Float) v));
        else if (v instanceof Double) d.put("t", "float64").put("v", Long.toString(Double.doubleToRawLongBits((Double) v)));
        else if (v instanceof Boolean) d.put("t", "boolean").put("v", (Boolean) v);
        else if (v instanceof String) d.put("t", "string").put("v", (String) v);
        else if (v instanceof byte[]) d.put("t", "bytes").put("v", Base64.getEncoder().encodeToString((byte[]) v));
        else if (v instanceof BigDecimal) d.put("t", "decimal").put("v", v.toString());
        else if (v instanceof java.util.Date) d.put("t", "date").put("v", ((java.util.Date) v).getTime());
        else if (v instanceof List) {
            ArrayNode a = d.put("t", "array").putArray("v");
            for (Object e : (List<?>) v) a.add(describe(e));
        } else if (v instanceof Map) {
            ArrayNode a = d.put("t", "map").putArray("v");
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) a.addArray().add(describe(e.getKey())).add(describe(e.getValue()));
        } else if (v instanceof Struct) {
            Struct struct = (Struct) v;
            ArrayNode a = d.put("t", "struct").putArray("v");
            for (Field f : struct.schema().fields()) a.addArray().add(f.name()).add(describe(struct.getWithoutDefault(f.name())));
        } else {
            throw new IllegalArgumentException("cannot describe " + v.getClass());
        }
        return d;
    }
}
