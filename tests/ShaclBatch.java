import java.io.*;
import java.nio.file.*;
import java.util.*;
import org.apache.jena.graph.*;
import org.apache.jena.riot.*;
import org.apache.jena.shacl.*;
import org.apache.jena.sparql.core.*;
import org.apache.jena.sparql.graph.GraphFactory;

public class ShaclBatch {
    public static void main(String[] args) throws Exception {
        org.apache.jena.sys.JenaSystem.init();
        List<String> lines = Files.readAllLines(Paths.get(args[0]));
        String[] shapeFiles = lines.get(0).split("\t");
        Graph shapesGraph = load(shapeFiles, 1);
        Shapes shapes = Shapes.parse(shapesGraph);
        DatasetGraph out = DatasetGraphFactory.createGeneral();
        out.addGraph(NodeFactory.createURI("urn:x-shacl-batch:shapes"), shapesGraph);
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) continue;
            String[] job = line.split("\t");
            Graph data = load(job, 1);
            ValidationReport report = ShaclValidator.get().validate(shapes, data);
            out.addGraph(NodeFactory.createURI("urn:x-shacl-batch:job:" + job[0]), report.getGraph());
        }
        try (OutputStream os = new FileOutputStream(args[1])) {
            RDFDataMgr.write(os, out, Lang.NQUADS);
        }
    }

    static Graph load(String[] files, int from) {
        Graph g = GraphFactory.createDefaultGraph();
        for (int i = from; i < files.length; i++) RDFDataMgr.read(g, files[i]);
        return g;
    }
}
