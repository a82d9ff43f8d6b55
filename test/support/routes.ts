import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { ACCESS_METADATA, type RouteAccess } from '../../libs/auth/src/access.decorator';
import type { TestApp } from './test-app';

export interface Route {
  method: string;
  /** Nest's path, with `:param` placeholders. */
  path: string;
  access: RouteAccess | undefined;
}

/** Every route the running app serves, read from its controllers' metadata. */
export function discoverRoutes(t: TestApp): Route[] {
  const modules = t.app.get(ModulesContainer);
  const scanner = new MetadataScanner();
  const reflector = t.app.get(Reflector);
  const routes: Route[] = [];
  const controllers = [...modules.values()].flatMap((m) => [...m.controllers.values()]);
  for (const wrapper of controllers) {
    const instance = wrapper.instance as Record<string, unknown> | undefined;
    if (!instance || !wrapper.metatype) {
      continue;
    }
    const base = String(Reflect.getMetadata(PATH_METADATA, wrapper.metatype) ?? '');
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
      const handler = instance[name] as object;
      const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (sub === undefined || method === undefined) {
        continue;
      }
      const path = `/${[base, sub]
        .map((p) => p.replace(/^\/|\/$/g, ''))
        .filter(Boolean)
        .join('/')}`;
      routes.push({
        method: RequestMethod[method],
        path,
        access: reflector.getAllAndOverride<RouteAccess>(ACCESS_METADATA, [
          handler as never,
          wrapper.metatype as never,
        ]),
      });
    }
  }
  return routes;
}
