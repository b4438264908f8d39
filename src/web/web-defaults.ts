/** Where `serve` listens unless told otherwise (a module of its own: the CLI shows them in --help without loading the web server). */
export const DEFAULT_WEB_HOST = '127.0.0.1';
export const DEFAULT_WEB_PORT = 8080;
