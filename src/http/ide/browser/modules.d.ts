// The project has no @types/react: the two React functions this entry calls, typed here. GraphiQL's
// own declarations name React's types; with skipLibCheck they are not checked, and the props this
// entry passes are checked against nothing more than these signatures.
declare module 'react' {
  export function createElement(
    type: unknown,
    props?: object | null,
    ...children: unknown[]
  ): unknown;
}
declare module 'react-dom/client' {
  export function createRoot(container: Element): { render(node: unknown): void };
}
// esbuild bundles imported CSS into its own file beside the script.
declare module '*.css';
