package io.vfu4j.processor.diag;

import com.sun.source.tree.AnnotationTree;
import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import java.util.List;
import javax.annotation.processing.Messager;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;

/**
 * Prints diagnostics. javac cannot place a message on an annotation that was repeated (it lives
 * in a synthesized container with no source position), so for those the annotation's tree is
 * found through the Trees API: the k-th mirror in the container is the k-th annotation of that
 * type in the source.
 */
public final class Printer {
  private final Messager messager;
  private final Trees trees;

  public Printer(ProcessingEnvironment env) {
    this.messager = env.getMessager();
    Trees found;
    try {
      found = Trees.instance(env);
    } catch (IllegalArgumentException notJavac) {
      found = null;
    }
    this.trees = found;
  }

  public void print(Diagnostic d) {
    if (d.mirror() != null && trees != null && !d.element().getAnnotationMirrors().contains(d.mirror())) {
      Tree tree = repeatedAnnotationTree(d.element(), d.mirror(), d.value());
      TreePath root = tree == null ? null : trees.getPath(d.element());
      if (root != null) {
        trees.printMessage(d.kind(), d.message(), tree, root.getCompilationUnit());
        return;
      }
    }
    d.printTo(messager);
  }

  private Tree repeatedAnnotationTree(Element element, AnnotationMirror mirror, AnnotationValue value) {
    int position = -1;
    for (AnnotationMirror container : element.getAnnotationMirrors()) {
      for (AnnotationValue v : container.getElementValues().values()) {
        if (v.getValue() instanceof List<?> list && list.contains(mirror)) {
          position = list.indexOf(mirror);
        }
      }
    }
    TreePath path = trees.getPath(element);
    if (position < 0 || path == null) {
      return null;
    }
    String simpleName = mirror.getAnnotationType().asElement().getSimpleName().toString();
    List<? extends AnnotationTree> annotations = annotationsOf(path.getLeaf());
    int seen = 0;
    for (AnnotationTree a : annotations) {
      String type = a.getAnnotationType().toString();
      if (type.equals(simpleName) || type.endsWith("." + simpleName)) {
        if (seen++ == position) {
          return value == null ? a : attribute(a, mirror, value);
        }
      }
    }
    return null;
  }

  private static Tree attribute(AnnotationTree annotation, AnnotationMirror mirror, AnnotationValue value) {
    String name = null;
    for (var e : mirror.getElementValues().entrySet()) {
      if (e.getValue() == value) {
        name = e.getKey().getSimpleName().toString();
      }
    }
    for (ExpressionTree arg : annotation.getArguments()) {
      if (arg instanceof AssignmentTree assign && assign.getVariable() instanceof IdentifierTree id
          && id.getName().contentEquals(String.valueOf(name))) {
        return assign.getExpression();
      }
    }
    return annotation;
  }

  private static List<? extends AnnotationTree> annotationsOf(Tree tree) {
    return switch (tree) {
      case com.sun.source.tree.ClassTree c -> c.getModifiers().getAnnotations();
      case com.sun.source.tree.MethodTree m -> m.getModifiers().getAnnotations();
      case com.sun.source.tree.VariableTree v -> v.getModifiers().getAnnotations();
      default -> List.of();
    };
  }
}
